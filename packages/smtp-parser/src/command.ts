/** How a line ended on the wire. `LF` is a bare LF (an RFC 5321 violation many servers accept). */
export type LineEnding = 'CRLF' | 'LF';

/**
 * Something in a command line that breaks RFC 5321 but was still parsed.
 * - `bare-lf`: the line ended in LF without CR.
 * - `bare-cr`: a CR inside the line not followed by LF.
 * - `nul`: a NUL byte inside the line.
 * - `invalid-utf8`: the line is not valid UTF-8.
 * - `space-before-path`: `MAIL FROM: <a@b>` (a space after the colon).
 * - `missing-brackets`: `MAIL FROM:a@b` (path without angle brackets).
 * - `invalid-path`: the MAIL/RCPT path could not be parsed.
 * - `invalid-parameter`: an ESMTP parameter is malformed (bad xtext, bad SIZE...).
 * - `invalid-bdat`: `BDAT` without a valid octet count.
 * - `empty-line`: a line with nothing before its ending.
 */
export type CommandIssue =
  | 'bare-lf'
  | 'bare-cr'
  | 'nul'
  | 'invalid-utf8'
  | 'space-before-path'
  | 'missing-brackets'
  | 'invalid-path'
  | 'invalid-parameter'
  | 'invalid-bdat'
  | 'empty-line';

/** An ESMTP parameter after a MAIL/RCPT path, as written (`keyword` upper-cased). */
export interface EsmtpParameter {
  /** Upper-cased keyword, e.g. `SIZE`, `BODY`, `NOTIFY`. */
  keyword: string;
  /** Raw value after `=`, or `undefined` for a bare keyword like `SMTPUTF8`. */
  value: string | undefined;
}

/** `ORCPT=<addr-type>;<xtext>` from RFC 3461, decoded. */
export interface OriginalRecipient {
  /** Address type, usually `rfc822` or `utf-8`. */
  addressType: string;
  /** The xtext-decoded original address. */
  address: string;
}

/**
 * The argument of `MAIL FROM:` or `RCPT TO:`, parsed.
 * Known parameters are decoded into their own fields; every parameter is also
 * listed in `parameters` in wire order.
 */
export interface EnvelopeArgument {
  /** The mailbox without brackets or source route; `''` for the null sender `<>`. */
  address: string;
  /** Local part as written (quotes kept), `''` for `<>`. */
  localPart: string;
  /** Domain (or address literal) after `@`, `''` when absent. */
  domain: string;
  /** True when the local part is a quoted string. */
  quoted: boolean;
  /** True when the address contains non-ASCII (RFC 6531) characters. */
  utf8: boolean;
  /** Obsolete source route hosts (`<@a,@b:user@c>` gives `['a', 'b']`). */
  sourceRoute: string[];
  /** All ESMTP parameters in wire order. */
  parameters: EsmtpParameter[];
  /** `SIZE=` (RFC 1870). */
  size?: number;
  /** `BODY=` upper-cased: `7BIT`, `8BITMIME`, `BINARYMIME`. */
  body?: string;
  /** `SMTPUTF8` present (RFC 6531). */
  smtputf8?: boolean;
  /** `RET=FULL|HDRS` (RFC 3461). */
  ret?: string;
  /** `ENVID=`, xtext-decoded (RFC 3461). */
  envid?: string;
  /** `NOTIFY=` values upper-cased (RFC 3461). */
  notify?: string[];
  /** `ORCPT=`, decoded (RFC 3461). */
  orcpt?: OriginalRecipient;
}

/** `BDAT <size> [LAST]` (RFC 3030). */
export interface BdatArgument {
  /** Number of octets that follow the command line. */
  size: number;
  /** True when `LAST` was given. */
  last: boolean;
}

/**
 * One command line from the client, parsed. `verb`, `offset`, `length`,
 * `ending` and `bdat` are set at once; `raw`, `argument`, `envelope` and
 * `issues` are worked out on first read (getters on the parser's objects;
 * `JSON.stringify` gives every field), so code that only looks at verbs pays
 * for nothing else. `raw` is a view into the bytes you pushed (not a copy):
 * the parser never changes bytes, relay `raw` or cut your chunk with
 * `offset`/`length`.
 */
export interface Command {
  /** Upper-cased verb (`MAIL`, `RCPT`, `EHLO`...); `''` for an empty line. */
  verb: string;
  /** Everything after the verb and its separating space, UTF-8 decoded. */
  argument: string;
  /** Stream offset of the first byte of the line. */
  offset: number;
  /** Wire length including the line ending. */
  length: number;
  /** The line's wire bytes including the ending. */
  raw: Buffer;
  /** How the line ended. */
  ending: LineEnding;
  /** For `MAIL FROM:` and `RCPT TO:` with a parsable path. */
  envelope?: EnvelopeArgument;
  /** For a valid `BDAT`. */
  bdat?: BdatArgument;
  /** RFC violations seen in this line (empty when clean). */
  issues: CommandIssue[];
}
