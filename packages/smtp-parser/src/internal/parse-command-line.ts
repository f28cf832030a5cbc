import { isUtf8 } from 'node:buffer';
import type { BdatArgument, Command, CommandIssue, EnvelopeArgument, LineEnding } from '../command';
import { parseEnvelope } from './parse-envelope';

const CR = 13;
const SP = 32;
const TAB = 9;
const BDAT_ARGUMENT = /^(\d{1,15})(?: +(LAST))? *$/i;
/** Four-letter verbs by their lower-cased bytes, so the common case needs no string work. */
const KNOWN_VERBS = new Map<number, string>();
for (const verb of [
  'MAIL',
  'RCPT',
  'DATA',
  'BDAT',
  'EHLO',
  'HELO',
  'RSET',
  'NOOP',
  'QUIT',
  'VRFY',
  'EXPN',
  'HELP',
  'AUTH',
  'ETRN',
]) {
  KNOWN_VERBS.set(Buffer.from(verb.toLowerCase()).readUInt32BE(0), verb);
}

function verbOf(buffer: Buffer, start: number, end: number): string {
  if (end - start >= 4 && (end - start === 4 || buffer[start + 4] === SP)) {
    const known = KNOWN_VERBS.get((buffer.readUInt32BE(start) | 0x20202020) >>> 0);
    if (known) return known;
  }
  let space = buffer.indexOf(SP, start);
  if (space < 0 || space > end) space = end;
  return buffer.toString('latin1', start, space).toUpperCase();
}

/**
 * A command line whose raw view, argument, envelope and issues are worked out
 * on first access: a relay reads `verb` on every line and the rest only when
 * it needs it, which keeps allocation per line to two small objects.
 */
class LazyCommand implements Command {
  readonly verb: string;
  readonly offset: number;
  readonly length: number;
  readonly ending: LineEnding;
  readonly bdat?: BdatArgument;
  #buffer: Buffer;
  #start: number;
  /** Index in #buffer where the line ending starts. */
  #end: number;
  #raw: Buffer | undefined;
  #argument: string | undefined;
  #issues: CommandIssue[] | undefined;
  #envelope: EnvelopeArgument | undefined;

  constructor(buffer: Buffer, start: number, end: number, offset: number) {
    const crlf = end - start > 1 && buffer[end - 2] === CR;
    this.#buffer = buffer;
    this.#start = start;
    this.#end = end - (crlf ? 2 : 1);
    this.offset = offset;
    this.length = end - start;
    this.ending = crlf ? 'CRLF' : 'LF';
    this.verb = verbOf(buffer, start, this.#end);
    if (this.verb === 'BDAT') {
      const match = BDAT_ARGUMENT.exec(this.argument);
      if (match) this.bdat = { size: Number(match[1]), last: match[2] !== undefined };
    }
  }

  /** The line's wire bytes, ending included (a view into the pushed chunk). */
  get raw(): Buffer {
    this.#raw ??= this.#buffer.subarray(this.#start, this.#start + this.length);
    return this.#raw;
  }

  /**
   * True when nothing but spaces or tabs follows the verb. `DATA ` with a
   * trailing space is still DATA to Postfix (it splits arguments on
   * whitespace), so the mode switch must agree with it.
   */
  get bare(): boolean {
    const buffer = this.#buffer;
    for (let i = this.#start + this.verb.length; i < this.#end; i++) {
      if (buffer[i] !== SP && buffer[i] !== TAB) return false;
    }
    return true;
  }

  get argument(): string {
    if (this.#argument === undefined) {
      const start = this.#start + this.verb.length + 1;
      this.#argument = start <= this.#end ? this.#buffer.toString('utf8', start, this.#end) : '';
    }
    return this.#argument;
  }

  get envelope(): EnvelopeArgument | undefined {
    this.analyse();
    return this.#envelope;
  }

  get issues(): CommandIssue[] {
    return this.analyse();
  }

  private analyse(): CommandIssue[] {
    if (this.#issues) return this.#issues;
    const issues: CommandIssue[] = [];
    const raw = this.raw;
    const end = this.#end - this.#start;
    if (this.ending === 'LF') issues.push('bare-lf');
    if (end === 0) issues.push('empty-line');
    const cr = raw.indexOf(CR);
    if (cr >= 0 && cr < end) issues.push('bare-cr');
    const nul = raw.indexOf(0);
    if (nul >= 0 && nul < end) issues.push('nul');
    if (!isUtf8(raw)) issues.push('invalid-utf8');
    const { verb, argument } = this;
    if (verb === 'MAIL' && /^FROM:/i.test(argument))
      this.#envelope = parseEnvelope(argument.slice(5), issues);
    else if (verb === 'RCPT' && /^TO:/i.test(argument))
      this.#envelope = parseEnvelope(argument.slice(3), issues);
    else if (verb === 'BDAT' && !this.bdat) issues.push('invalid-bdat');
    this.#issues = issues;
    return issues;
  }

  /** Every field, computed, for logs and snapshots. */
  toJSON(): Command {
    const { verb, argument, offset, length, raw, ending, envelope, bdat, issues } = this;
    return { verb, argument, offset, length, raw, ending, envelope, bdat, issues };
  }
}

/**
 * Parses one complete command line, `buffer[start..end)` (ending with LF),
 * that starts at stream `offset`.
 */
export function parseCommandLine(
  buffer: Buffer,
  start: number,
  end: number,
  offset: number,
): Command & { readonly bare: boolean } {
  return new LazyCommand(buffer, start, end, offset);
}
