import { checkServerIdentity, type PeerCertificate, type TLSSocket } from 'node:tls';
import type { CertificateSummary } from '@warp/hooks';

function distinguishedName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([key, value]) => `${key}=${Array.isArray(value) ? value.join('+') : value}`)
    .join(', ');
}

/** What the relay records about a finished TLS handshake. */
export interface TlsSummary {
  protocol: string;
  cipher: string;
  certificate: CertificateSummary | null;
  verified: boolean;
  verifyError: string | null;
}

/**
 * Summarises a connected TLS socket: protocol, cipher, certificate, and
 * whether it verified against the trust store (and, when the MX host name is
 * known, whether it matches that name).
 */
export function summariseTls(socket: TLSSocket, hostname: string | undefined): TlsSummary {
  const peer = socket.getPeerCertificate();
  const hasCert = peer && Object.keys(peer).length > 0;
  const certificate: CertificateSummary | null = hasCert
    ? {
        subject: distinguishedName(peer.subject),
        subjectAltNames: peer.subjectaltname ? peer.subjectaltname.split(', ') : [],
        issuer: distinguishedName(peer.issuer),
        validFrom: new Date(peer.valid_from).toISOString(),
        validTo: new Date(peer.valid_to).toISOString(),
        fingerprint256: peer.fingerprint256,
      }
    : null;
  let verifyError: string | null = socket.authorized
    ? null
    : String(socket.authorizationError ?? 'NO_CERTIFICATE');
  if (verifyError === null && hostname && hasCert) {
    const mismatch = checkServerIdentity(hostname, peer);
    if (mismatch)
      verifyError = (mismatch as Error & { code?: string }).code ?? 'ERR_TLS_CERT_ALTNAME_INVALID';
  }
  if (verifyError === null && !hostname) verifyError = 'HOSTNAME_UNKNOWN';
  return {
    protocol: socket.getProtocol() ?? 'unknown',
    cipher: socket.getCipher()?.name ?? 'unknown',
    certificate,
    verified: verifyError === null,
    verifyError,
  };
}
