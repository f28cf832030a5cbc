import { isIP, type Server } from 'node:net';
import { binding } from './internal/load-binding';
import { isNativeFailure } from './internal/native-binding';
import { syscallError } from './internal/syscall-error';
import { OriginalDstError } from './original-dst-error';

/** Where {@link listenTransparent} binds. */
export interface TransparentListenOptions {
  /** IP literal to bind (`0.0.0.0`, `::`, or one address). Host names are refused. */
  host: string;
  /** TCP port the TPROXY rule sends connections to (`tproxy to :10025`). */
  port: number;
  /** listen(2) backlog; default 511, as Node uses. */
  backlog?: number;
}

/**
 * Makes `server` listen on a socket with `IP_TRANSPARENT` (`IPV6_TRANSPARENT`
 * for an IPv6 host) set before bind, for TPROXY setups. There the kernel keeps
 * the original destination as the accepted socket's local address, so read
 * `socket.localAddress`/`socket.localPort` instead of calling
 * {@link getOriginalDestination}. Needs CAP_NET_ADMIN.
 *
 * @example
 * ```ts
 * const server = net.createServer((socket) => relayTo(socket, socket.localAddress, socket.localPort));
 * await listenTransparent(server, { host: '0.0.0.0', port: 10025 });
 * ```
 */
export async function listenTransparent(
  server: Server,
  options: TransparentListenOptions,
): Promise<void> {
  const family = isIP(options.host);
  if (family === 0 || !Number.isInteger(options.port) || options.port < 0 || options.port > 65535) {
    throw new OriginalDstError(
      'WARP_ERR_ORIGINAL_DST_INVALID_ARGUMENT',
      `cannot listen on ${options.host} port ${options.port}: host must be an IP literal and port 0-65535`,
    );
  }
  const created = binding().createTransparentListener(
    family as 4 | 6,
    options.host,
    options.port,
    options.backlog ?? 511,
  );
  if (isNativeFailure(created)) {
    throw syscallError(
      created,
      `cannot listen transparently on ${options.host} port ${options.port}`,
    );
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ fd: created.fd }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** Whether the socket behind `fd` has IP_TRANSPARENT set (for tests and diagnostics). */
export function isTransparentSocket(fd: number): boolean {
  const result = binding().isTransparent(fd);
  if (isNativeFailure(result)) throw syscallError(result, 'cannot read IP_TRANSPARENT');
  return result;
}
