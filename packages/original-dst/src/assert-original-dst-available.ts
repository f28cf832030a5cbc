import { binding } from './internal/load-binding';

/**
 * Loads the native addon now and throws its coded error if it cannot be used
 * (`WARP_ERR_ORIGINAL_DST_UNSUPPORTED_PLATFORM` off Linux,
 * `WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED` with the rebuild command when the
 * binary is missing or broken). Call it at daemon start-up to fail before the
 * first connection rather than on it; importing the package never throws.
 */
export function assertOriginalDstAvailable(): void {
  binding();
}
