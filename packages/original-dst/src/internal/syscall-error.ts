import { OriginalDstError } from '../original-dst-error';
import type { NativeFailure } from './native-binding';

// What an operator can do about the errno values this package meets in practice.
const HINTS: Readonly<Record<string, string>> = {
  EBADF:
    'the file descriptor is closed: read the destination synchronously in the connection handler',
  ENOTSOCK: 'the file descriptor is not a socket',
  ENOTCONN: 'the socket is not connected',
  ENOPROTOOPT:
    'the kernel has no connection tracking for this socket (nf_conntrack not loaded), so no NAT rule redirected it',
  EAFNOSUPPORT: 'only IPv4 and IPv6 TCP sockets have an original destination',
  EPERM: 'IP_TRANSPARENT needs CAP_NET_ADMIN: run as root or grant the capability',
  EADDRINUSE: 'another socket listens on that address and port',
  EADDRNOTAVAIL:
    'the address is not configured on this host (or needs IP_TRANSPARENT and a TPROXY route)',
};

/** Turns a failed system call reported by the addon into a coded error naming the errno. */
export function syscallError(failure: NativeFailure, action: string): OriginalDstError {
  const hint = HINTS[failure.errno];
  return new OriginalDstError(
    'WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED',
    `${action}: ${failure.syscall} failed with ${failure.errno}${hint ? ` (${hint})` : ''}`,
    { errno: failure.errno, syscall: failure.syscall },
  );
}
