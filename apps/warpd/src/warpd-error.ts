import { WarpError } from '@warp/hooks';

/** Codes of warpd's own errors (see docs/errors.md). */
export type WarpdErrorCode =
  | 'WARP_ERR_WARPD_CONFIG_UNREADABLE'
  | 'WARP_ERR_WARPD_CONFIG_SYNTAX'
  | 'WARP_ERR_WARPD_CONFIG_INVALID'
  | 'WARP_ERR_WARPD_LISTEN_FAILED'
  | 'WARP_ERR_WARPD_USAGE';

/** An error of the daemon itself (configuration, command line, listening). */
export class WarpdError extends WarpError {
  declare readonly code: WarpdErrorCode;

  constructor(code: WarpdErrorCode, detail: string, cause?: unknown) {
    super(code, `[warp] [warpd] ${detail}`, { cause });
    this.name = 'WarpdError';
  }
}
