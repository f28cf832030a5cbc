import { createHmac } from 'node:crypto';

/** How addresses are kept: as they are, as a keyed hash (still groups), or domain only. */
export type AddressMode = 'keep' | 'hash' | 'domain-only';

/** Stands in for anything that must not be stored. */
export const REDACTED = '[redacted]';

// An address as it appears in commands and reply texts: `<a@b>`, `a@b`, `"a b"@c`.
const ADDRESS = /("[^"\r\n]*"|[^\s<>"(),;:@[\]]+)@([^\s<>"(),;:@[\]]*[^\s<>"(),;:@[\].])/g;

const HASHED = /^#[0-9a-f]{16}(@|$)/;

const KEEP: AddressRewriter = (address) => address;

/** A function that rewrites one address according to an {@link AddressMode}. */
export type AddressRewriter = (address: string) => string;

/**
 * Build the rewriter of an address mode. `hash` keeps the domain (operators
 * group by it) and replaces the local part with 16 hex digits of
 * HMAC-SHA256(key, lower-cased address): the same address gives the same
 * value, and without the key it cannot be guessed from a list of addresses.
 */
export function addressRewriter(mode: AddressMode, hashKey?: string): AddressRewriter {
  if (mode === 'keep') return KEEP;
  if (mode === 'domain-only') {
    return (address) => {
      const at = address.lastIndexOf('@');
      return at < 0 ? (address === '' ? '' : REDACTED) : `*${address.slice(at)}`;
    };
  }
  if (!hashKey) throw new Error('hash mode needs a key');
  return (address) => {
    // Already hashed (the bus and a plugin may both apply the filter): keep, so hashing is idempotent.
    if (address === '' || HASHED.test(address)) return address;
    const at = address.lastIndexOf('@');
    const digest = createHmac('sha256', hashKey)
      .update(address.toLowerCase())
      .digest('hex')
      .slice(0, 16);
    return `#${digest}${at < 0 ? '' : address.slice(at)}`;
  };
}

/** Rewrite every address inside a free text (a command line, a reply text). */
export function rewriteAddressesIn(text: string, rewrite: AddressRewriter): string {
  // Most texts hold no address: skip the regular expression (the hot path of every event).
  if (rewrite === KEEP || !text.includes('@')) return text;
  return text.replace(ADDRESS, (address) => rewrite(address));
}

/** Verbs whose line is kept (addresses rewritten); any other line may be SASL data or message content. */
const SMTP_VERBS = new Set([
  'HELO',
  'EHLO',
  'LHLO',
  'MAIL',
  'RCPT',
  'DATA',
  'BDAT',
  'RSET',
  'VRFY',
  'EXPN',
  'HELP',
  'NOOP',
  'QUIT',
  'STARTTLS',
  'AUTH',
  'ETRN',
  'XCLIENT',
  'XFORWARD',
  '.',
]);

/** Whether `verb` is an SMTP command verb (else the line may hold credentials or content). */
export function isSmtpVerb(verb: string): boolean {
  return SMTP_VERBS.has(verb);
}

/**
 * The command line as it may be stored. `AUTH` keeps only its mechanism
 * (credentials follow it, RFC 4954); a line that is not a known SMTP verb is
 * replaced whole: it is a SASL continuation after a `334` (credentials) or,
 * if the client and the parser disagreed on where data ends, message content.
 */
export function redactCommandLine(verb: string, line: string, rewrite: AddressRewriter): string {
  if (verb === 'AUTH') {
    const mechanism = line.split(/\s+/)[1];
    return mechanism ? `AUTH ${mechanism} ${REDACTED}` : `AUTH ${REDACTED}`;
  }
  if (!SMTP_VERBS.has(verb)) return REDACTED;
  return rewriteAddressesIn(line, rewrite);
}
