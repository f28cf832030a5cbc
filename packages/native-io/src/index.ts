export type { NativeListener } from './native-io';
export { assertNativeIoAvailable, nativeIo } from './native-io';
export type { NativeIoErrorCode } from './native-io-error';
export { NativeIoError } from './native-io-error';
export type { NativeServerOptions } from './native-server';
export { NativeServer } from './native-server';
export type { NativeConnectOptions, NativeSocketOptions } from './native-socket';
export { connectNative, NativeSocket } from './native-socket';
