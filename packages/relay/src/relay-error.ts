import { WarpError } from '@warp/hooks';

/** The SMTP reply a relay error becomes when answered to the MTA. */
export interface RelayReply {
  code: number;
  enhanced: string;
  text: string;
}

/** Codes of the errors the relay raises or reports (see docs/errors.md). */
export type RelayErrorCode =
  | 'WARP_ERR_RELAY_CONNECT_FAILED'
  | 'WARP_ERR_RELAY_CONNECT_TIMEOUT'
  | 'WARP_ERR_RELAY_DESTINATION'
  | 'WARP_ERR_RELAY_SELF_DESTINATION'
  | 'WARP_ERR_RELAY_SESSION_LIMIT'
  | 'WARP_ERR_RELAY_TLS_HANDSHAKE'
  | 'WARP_ERR_RELAY_TLS_REQUIRED'
  | 'WARP_ERR_RELAY_AMBIGUOUS_DATA_END'
  | 'WARP_ERR_RELAY_TIMEOUT'
  | 'WARP_ERR_RELAY_SERVER_CLOSED'
  | 'WARP_ERR_RELAY_PROTOCOL'
  | 'WARP_ERR_RELAY_SHUTDOWN';

/**
 * An error of the relay that ends a session; `reply` is what the MTA was
 * told (always 4xx except for an ambiguous end of data, refused with 5xx).
 */
export class RelayError extends WarpError {
  declare readonly code: RelayErrorCode;
  declare readonly reply: RelayReply;

  constructor(code: RelayErrorCode, detail: string, reply: RelayReply, cause?: unknown) {
    super(code, `[warp] [relay] ${detail}`, { cause, reply });
    this.name = 'RelayError';
  }

  /** The reply as SMTP wire bytes. */
  wire(): Buffer {
    return Buffer.from(
      `${this.reply.code} ${this.reply.enhanced} ${this.reply.text}\r\n`,
      'latin1',
    );
  }
}
