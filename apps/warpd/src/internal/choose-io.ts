import { assertNativeIoAvailable, NativeIoError, nativeIo } from '@warp/native-io';
import type { RelayIo } from '@warp/relay';
import type { Logger } from 'pino';
import type { WarpdConfig } from '../warpd-config';

/**
 * The relay's sockets for the `io` setting. `auto` takes `@warp/native-io`
 * when its addon loads and Node's `net` otherwise, with a warning: a missing
 * build must not stop the mail. `native` asked for explicitly fails instead.
 */
export function chooseIo(
  wanted: NonNullable<WarpdConfig['io']>,
  logger: Pick<Logger, 'warn'>,
  assertAvailable: () => void = assertNativeIoAvailable,
): { name: 'native' | 'node'; use: RelayIo | undefined } {
  if (wanted === 'node') return { name: 'node', use: undefined };
  try {
    assertAvailable();
    return { name: 'native', use: nativeIo };
  } catch (error) {
    if (wanted === 'native' || !NativeIoError.isInstance(error)) throw error;
    logger.warn(
      { error: error.message },
      'native io unavailable: relaying with Node sockets (io: node)',
    );
    return { name: 'node', use: undefined };
  }
}
