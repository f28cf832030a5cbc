import { binding } from './internal/load-binding';
import { isNativeFailure } from './internal/native-binding';
import { type SocketOrFd, socketFd } from './internal/socket-fd';
import { syscallError } from './internal/syscall-error';
import { OriginalDstError } from './original-dst-error';

/** Where a redirected connection was going before NAT bent it to us. */
export interface OriginalDestination {
  /** IPv4 dotted quad or IPv6 text (an IPv4 client on a dual-stack listener gives IPv4). */
  address: string;
  /** TCP port the client dialled (25 for an MTA). */
  port: number;
  /** 4 or 6, from the socket itself. */
  family: 4 | 6;
}

/**
 * Reads the destination a client originally dialled before an iptables or
 * nftables `REDIRECT`/`DNAT` rule sent its connection here
 * (`getsockopt(SO_ORIGINAL_DST)`, `IP6T_SO_ORIGINAL_DST` for IPv6).
 *
 * Call it synchronously in the server's `connection` handler. A connection that
 * was not redirected (no NAT entry: `ENOENT`; or the kernel answers with the
 * listener's own address: the client dialled warp directly) throws
 * `WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED`: refuse it, or the proxy is an open relay.
 * Any other failed system call throws `WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED`
 * carrying the errno name.
 *
 * @param socket an accepted `net.Socket` (or a socket showing its fd the same
 *   way, such as `@warp/native-io`'s `NativeSocket`), or the raw fd of a connected TCP socket
 * @example
 * ```ts
 * net.createServer((socket) => {
 *   const { address, port } = getOriginalDestination(socket); // e.g. 192.0.2.25, 25
 *   relayTo(socket, address, port);
 * }).listen(10025, '127.0.0.1');
 * ```
 */
export function getOriginalDestination(socket: SocketOrFd): OriginalDestination {
  const fd = socketFd(socket);
  const result = binding().originalDestination(fd);
  if (isNativeFailure(result)) {
    if (result.errno === 'ENOENT') {
      throw new OriginalDstError(
        'WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED',
        'connection was not redirected (no NAT entry, ENOENT): the client dialled this listener ' +
          'directly; refuse it, and check the REDIRECT/DNAT rule if it should have matched',
        { errno: result.errno, syscall: result.syscall },
      );
    }
    throw syscallError(result, 'cannot read the original destination');
  }
  if (result.address === result.localAddress && result.port === result.localPort) {
    throw new OriginalDstError(
      'WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED',
      `connection was not redirected: its original destination is this listener itself ` +
        `(${result.address} port ${result.port}); the client dialled it directly, refuse it`,
    );
  }
  return { address: result.address, port: result.port, family: result.family };
}
