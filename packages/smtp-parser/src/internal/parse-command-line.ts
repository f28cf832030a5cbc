import { isUtf8 } from 'node:buffer';
import type { Command, CommandIssue } from '../command';
import { parseEnvelope } from './parse-envelope';

const CR = 13;
const SP = 32;
const BDAT_ARGUMENT = /^(\d{1,15})(?: +(LAST))? *$/i;

/** Parses one complete command line (`raw` ends with LF) that starts at stream `offset`. */
export function parseCommandLine(raw: Buffer, offset: number): Command {
  const issues: CommandIssue[] = [];
  const crlf = raw.length > 1 && raw[raw.length - 2] === CR;
  const end = raw.length - (crlf ? 2 : 1);
  if (!crlf) issues.push('bare-lf');
  if (end === 0) issues.push('empty-line');
  const cr = raw.indexOf(CR);
  if (cr >= 0 && cr < end) issues.push('bare-cr');
  const nul = raw.indexOf(0);
  if (nul >= 0 && nul < end) issues.push('nul');
  if (!isUtf8(raw)) issues.push('invalid-utf8');
  let space = raw.indexOf(SP);
  if (space < 0 || space > end) space = end;
  const verb = raw.toString('latin1', 0, space).toUpperCase();
  const argument = space < end ? raw.toString('utf8', space + 1, end) : '';
  const command: Command = {
    verb,
    argument,
    offset,
    length: raw.length,
    raw,
    ending: crlf ? 'CRLF' : 'LF',
    issues,
  };
  if (verb === 'MAIL' && /^FROM:/i.test(argument)) {
    const envelope = parseEnvelope(argument.slice(5), issues);
    if (envelope) command.envelope = envelope;
  } else if (verb === 'RCPT' && /^TO:/i.test(argument)) {
    const envelope = parseEnvelope(argument.slice(3), issues);
    if (envelope) command.envelope = envelope;
  } else if (verb === 'BDAT') {
    const match = BDAT_ARGUMENT.exec(argument);
    if (match) command.bdat = { size: Number(match[1]), last: match[2] !== undefined };
    else issues.push('invalid-bdat');
  }
  return command;
}
