import type { Reply } from '@warp/smtp-parser';
import { type EhloRewrite, removeCapabilities } from './remove-capabilities';

/** What warp's relay can carry towards the MX, deciding which extensions the MTA may see. */
export interface HiddenCapabilitiesOptions {
  /**
   * The relay counts BDAT octets and relays chunks byte-exactly. When false
   * (the default) CHUNKING and BINARYMIME are hidden so the MTA uses DATA.
   */
  relaysBdat?: boolean;
  /** More keywords to hide. */
  extra?: Iterable<string>;
}

/**
 * The extensions to hide from the MTA in the MX's EHLO reply:
 * - `STARTTLS`, always: warp does TLS with the MX itself; the MTA leg is plaintext on one host.
 * - `REQUIRETLS` (RFC 8689), always: that plaintext leg cannot honour it.
 * - `PIPECONNECT` (Exim), always: the MTA would send EHLO before the greeting on
 *   later connections, racing warp's own STARTTLS and EHLO with the MX.
 * - `CHUNKING` and `BINARYMIME` (RFC 3030) unless `relaysBdat`.
 *
 * @example hiddenCapabilities({ relaysBdat: true }) // Set { 'STARTTLS', 'REQUIRETLS', 'PIPECONNECT' }
 */
export function hiddenCapabilities(options: HiddenCapabilitiesOptions = {}): ReadonlySet<string> {
  const hidden = new Set(['STARTTLS', 'REQUIRETLS', 'PIPECONNECT']);
  if (!options.relaysBdat) {
    hidden.add('CHUNKING');
    hidden.add('BINARYMIME');
  }
  for (const keyword of options.extra ?? []) hidden.add(keyword.toUpperCase());
  return hidden;
}

/**
 * Rewrites the MX's EHLO reply for the MTA: {@link removeCapabilities} with
 * {@link hiddenCapabilities}.
 *
 * @example
 * const { bytes } = rewriteEhloForClient(mxReply, { relaysBdat: false });
 * mtaSocket.write(bytes);
 */
export function rewriteEhloForClient(
  reply: Reply,
  options: HiddenCapabilitiesOptions = {},
): EhloRewrite {
  return removeCapabilities(reply, hiddenCapabilities(options));
}
