/** The domain of an address (after the last `@`), lower-cased; `''` for the null sender. */
export function domainOf(address: string): string {
  const at = address.lastIndexOf('@');
  return at < 0 ? '' : address.slice(at + 1).toLowerCase();
}

const HOST_NAME = /^[a-z0-9-]+(\.[a-z0-9-]+)+$/;
const SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'ac', 'gov', 'edu', 'ne', 'or', 'go']);

/**
 * The host name a server announces in its greeting (`220 mx.example.net ESMTP`),
 * or `null` when the first word is not a host name (`220 ESMTP ready`).
 */
export function hostFromGreeting(text: string): string | null {
  const first = text.split(/[\s\n]/, 1)[0]?.toLowerCase() ?? '';
  return HOST_NAME.test(first) ? first : null;
}

/**
 * The operator-facing domain of an MX host: its last two labels, or three
 * under a country-code second level (`mx.example.co.uk` -> `example.co.uk`).
 * A heuristic, not the public suffix list: it groups `gmail-smtp-in.l.google.com`
 * under `google.com`, which is what "Gmail's MX" means to an operator.
 */
export function domainOfHost(host: string): string {
  const labels = host.split('.');
  const tld = labels.at(-1) ?? '';
  const second = labels.at(-2) ?? '';
  const keep = tld.length === 2 && SECOND_LEVEL.has(second) && labels.length >= 3 ? 3 : 2;
  return labels.slice(-keep).join('.');
}

const MAIL_FROM = /^MAIL\s+FROM:\s*<([^>]*)>/i;

/** The reverse path of a `MAIL FROM:<...>` line, or `null` when the line is not one. */
export function senderOfMailLine(line: string): string | null {
  const match = MAIL_FROM.exec(line);
  return match ? (match[1] ?? '') : null;
}
