export type { Relay } from './create-relay';
export { createRelay } from './create-relay';
export type { RelayErrorCode, RelayReply } from './relay-error';
export { RelayError } from './relay-error';
export type { RelayIo, RelayListener, RelaySocket } from './relay-io';
export { nodeIo } from './relay-io';
export type {
  Destination,
  MessageCaptureOptions,
  RelayOptions,
  RelayTimeouts,
  ResolveDestination,
  TlsPolicy,
} from './relay-options';
export { DEFAULT_TIMEOUTS } from './relay-options';
