export { assertOriginalDstAvailable } from './assert-original-dst-available';
export type { OriginalDestination } from './get-original-destination';
export { getOriginalDestination } from './get-original-destination';
export type { SocketOrFd, SocketWithFd } from './internal/socket-fd';
export type { TransparentListenOptions } from './listen-transparent';
export { isTransparentSocket, listenTransparent } from './listen-transparent';
export type { OriginalDstErrorCode, OriginalDstErrorDetails } from './original-dst-error';
export { OriginalDstError } from './original-dst-error';
