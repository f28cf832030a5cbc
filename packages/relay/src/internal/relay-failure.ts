import { RelayError } from '../relay-error';

/** A {@link RelayError} with its reply to the MTA as `[code, enhanced, text]`. */
export function relayFailure(
  code: ConstructorParameters<typeof RelayError>[0],
  detail: string,
  reply: [number, string, string],
  cause?: unknown,
): RelayError {
  return new RelayError(
    code,
    detail,
    { code: reply[0], enhanced: reply[1], text: reply[2] },
    cause,
  );
}

/** The refusal of a message whose end of data is ambiguous (SMTP smuggling). */
export function ambiguousDataEnd(): RelayError {
  return relayFailure(
    'WARP_ERR_RELAY_AMBIGUOUS_DATA_END',
    'refused a message with a bare LF or CR around a dot line (ambiguous end of data, SMTP smuggling)',
    [
      554,
      '5.6.0',
      '[warp] message refused: bare LF/CR in a dot line makes the end of data ambiguous',
    ],
  );
}

/** Ends a session where `side` stayed silent past its timeout. */
export function timeoutFailure(side: string): RelayError {
  return relayFailure(
    'WARP_ERR_RELAY_TIMEOUT',
    `${side} stayed silent past the timeout (RFC 5321 4.5.3.2)`,
    [421, '4.4.2', '[warp] timeout, closing'],
  );
}

/** Ends a session when warp shuts down. */
export function shutdownFailure(): RelayError {
  return relayFailure('WARP_ERR_RELAY_SHUTDOWN', 'warp is shutting down', [
    421,
    '4.3.2',
    '[warp] shutting down, try again later',
  ]);
}

/** Ends a session whose MX broke the protocol (`detail` says how). */
export function mxProtocolFailure(detail: string): RelayError {
  return relayFailure('WARP_ERR_RELAY_PROTOCOL', detail, [
    421,
    '4.5.0',
    '[warp] MX protocol error, try again later',
  ]);
}
