import type { EsmtpParameter } from './command';
import { SmtpParserError } from './smtp-parser-error';

/** A command to write: verb plus optional argument. */
export interface CommandInput {
  verb: string;
  argument?: string;
}

/** A MAIL/RCPT path to write. */
export interface EnvelopeInput {
  /** Mailbox without brackets; `''` for the null sender. */
  address: string;
  /** Obsolete source route hosts, written as `@a,@b:`. */
  sourceRoute?: string[];
  /** ESMTP parameters, values written as given (encode xtext yourself with `encodeXtext`). */
  parameters?: EsmtpParameter[];
}

function checkField(name: string, value: string): void {
  if (/[\r\n]/.test(value)) {
    throw new SmtpParserError(
      'WARP_ERR_SMTP_INVALID_INPUT',
      `${name} contains CR or LF (${JSON.stringify(value)}): remove line breaks before serializing`,
    );
  }
}

/**
 * Writes a command line: `VERB[ argument]` CRLF, bytes exactly as given.
 *
 * @example serializeCommand({ verb: 'EHLO', argument: 'client.example' }) // <Buffer 'EHLO client.example\r\n'>
 */
export function serializeCommand(command: CommandInput): Buffer {
  checkField('verb', command.verb);
  if (command.verb === '' || command.verb.includes(' ')) {
    throw new SmtpParserError(
      'WARP_ERR_SMTP_INVALID_INPUT',
      `verb ${JSON.stringify(command.verb)} is empty or contains a space: pass one keyword`,
    );
  }
  const argument = command.argument ?? '';
  checkField('argument', argument);
  return Buffer.from(
    argument === '' ? `${command.verb}\r\n` : `${command.verb} ${argument}\r\n`,
    'utf8',
  );
}

/** Formats `<path> PARAM=value...` as it follows `FROM:` or `TO:`. */
export function formatEnvelope(envelope: EnvelopeInput): string {
  const route = envelope.sourceRoute?.length
    ? `${envelope.sourceRoute.map((h) => `@${h}`).join(',')}:`
    : '';
  const parameters = (envelope.parameters ?? []).map((p) =>
    p.value === undefined ? ` ${p.keyword}` : ` ${p.keyword}=${p.value}`,
  );
  return `<${route}${envelope.address}>${parameters.join('')}`;
}

/**
 * Writes `MAIL FROM:<address> PARAMS` CRLF.
 *
 * @example serializeMailFrom({ address: '', parameters: [{ keyword: 'SIZE', value: '1024' }] })
 */
export function serializeMailFrom(envelope: EnvelopeInput): Buffer {
  return serializeCommand({ verb: 'MAIL', argument: `FROM:${formatEnvelope(envelope)}` });
}

/** Writes `RCPT TO:<address> PARAMS` CRLF. */
export function serializeRcptTo(envelope: EnvelopeInput): Buffer {
  return serializeCommand({ verb: 'RCPT', argument: `TO:${formatEnvelope(envelope)}` });
}
