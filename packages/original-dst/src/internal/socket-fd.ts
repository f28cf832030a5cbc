import type { Socket } from 'node:net';
import { OriginalDstError } from '../original-dst-error';

/**
 * A socket that shows its fd as `net.Socket` does (`_handle.fd`), such as a
 * `NativeSocket` of `@warp/native-io`.
 */
export interface SocketWithFd {
  readonly _handle?: { readonly fd?: number } | null;
}

/** What {@link socketFd} takes: a `net.Socket`, a socket showing its fd, or the fd. */
export type SocketOrFd = Socket | SocketWithFd | number;

/**
 * The file descriptor behind a `net.Socket` (or a raw fd, checked). Node keeps
 * it on the libuv handle (`socket._handle.fd`, a real fd on Linux); it is gone
 * once the socket is destroyed, so callers read it in the `connection` handler.
 */
export function socketFd(target: SocketOrFd): number {
  if (typeof target === 'number') {
    if (Number.isInteger(target) && target >= 0 && target <= 0x7fffffff) return target;
    throw new OriginalDstError(
      'WARP_ERR_ORIGINAL_DST_INVALID_ARGUMENT',
      `${target} is not a file descriptor: pass a net.Socket or a non-negative integer fd`,
    );
  }
  const fd = (target as unknown as { _handle?: { fd?: unknown } | null })?._handle?.fd;
  if (typeof fd === 'number' && fd >= 0) return fd;
  throw new OriginalDstError(
    'WARP_ERR_ORIGINAL_DST_INVALID_ARGUMENT',
    'the socket has no file descriptor (destroyed, not connected yet, or not a plain TCP socket): ' +
      'pass the net.Socket from the server connection event, before any TLS wrapping',
  );
}
