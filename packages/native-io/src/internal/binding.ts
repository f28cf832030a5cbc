import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeIoError } from '../native-io-error';

/** A libuv TCP handle, opaque to JavaScript (an external). */
export type Handle = { readonly __nativeIoHandle: unique symbol };

/** Events the addon delivers to a handle's owner (native/native_io.c); EV_ERROR is a failed read. */
export const EV_END = 1;
export const EV_ERROR = 2;
export const EV_DRAIN = 3;
export const EV_CLOSE = 4;
export const EV_CONNECT = 5;
export const EV_SHUTDOWN = 6;
export const EV_WRITE_ERROR = 7;

/** The functions of build/Release/native_io.node. Negative numbers are libuv errors. */
export interface NativeBinding {
  init(
    onRead: (this: object, chunk: Buffer) => void,
    onEvent: (this: object, kind: number, status: number) => void,
    onConnection: (this: object, handle: Handle) => object | undefined,
  ): void;
  open(owner: object): Handle;
  listen(
    handle: Handle,
    address: string,
    port: number,
    backlog: number,
    reusePort: boolean,
  ): number;
  connect(handle: Handle, address: string, port: number, localAddress: string | null): number;
  readStart(handle: Handle): number;
  readStop(handle: Handle): void;
  write(handle: Handle, bytes: Uint8Array): number;
  shutdown(handle: Handle): number;
  close(handle: Handle): void;
  detach(handle: Handle): number;
  fileno(handle: Handle): number;
  nodelay(handle: Handle, on: boolean): void;
  address(handle: Handle, peer: boolean): [string, number] | null;
  errorName(code: number): string;
}

const PACKAGE_NAME = '@warp/native-io';
const BINARY = 'native_io.node';

/** How to rebuild, quoted in every load error so an operator can act on it alone. */
export const REBUILD_HINT =
  `rebuild it with \`pnpm --filter ${PACKAGE_NAME} rebuild\` in the warp workspace ` +
  `(or \`npm rebuild ${PACKAGE_NAME}\` where it is installed as a dependency); ` +
  'the build needs python3, make and a C compiler, and node headers (nodedir=/usr in .npmrc)';

/** The package root: the nearest folder upwards holding this package's package.json. */
function packageRoot(): string | undefined {
  let folder = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) {
      try {
        if (JSON.parse(readFileSync(manifest, 'utf8')).name === PACKAGE_NAME) return folder;
      } catch {
        // An unreadable manifest on the way up is not ours; keep climbing.
      }
    }
    const parent = dirname(folder);
    if (parent === folder) return undefined;
    folder = parent;
  }
}

/**
 * Loads the compiled addon from `candidates` (by default build/Release, then
 * build/Debug, of this package). Throws `WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED`,
 * with the rebuild command, when it is missing or does not load.
 */
export function loadBinding(candidates?: readonly string[]): NativeBinding {
  const root = packageRoot();
  const paths =
    candidates ??
    (root === undefined
      ? []
      : [join(root, 'build', 'Release', BINARY), join(root, 'build', 'Debug', BINARY)]);
  const path = paths.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new NativeIoError(
      'WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED',
      `native addon ${BINARY} is not built (looked in ${paths.join(', ') || 'no folder: package root not found'}): ${REBUILD_HINT}`,
    );
  }
  let binding: Partial<NativeBinding>;
  try {
    binding = createRequire(import.meta.url)(path);
  } catch (cause) {
    throw new NativeIoError(
      'WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED',
      `native addon ${path} does not load (${(cause as Error).message}): ${REBUILD_HINT}`,
      { cause },
    );
  }
  if (typeof binding.detach !== 'function' || typeof binding.write !== 'function') {
    throw new NativeIoError(
      'WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED',
      `native addon ${path} is from another version of ${PACKAGE_NAME}: ${REBUILD_HINT}`,
    );
  }
  return binding as NativeBinding;
}

/** A libuv error as `net.Socket` would emit it: `code`, `errno`, `syscall`, address. */
export function errnoError(
  binding: NativeBinding,
  status: number,
  syscall: string,
  address?: string,
  port?: number,
): NodeJS.ErrnoException & { address?: string; port?: number } {
  const name = binding.errorName(status);
  const where = address === undefined ? '' : ` ${address}${port === undefined ? '' : `:${port}`}`;
  const error = new Error(`${syscall} ${name}${where}`) as NodeJS.ErrnoException & {
    address?: string;
    port?: number;
  };
  error.code = name;
  error.errno = status;
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  if (port !== undefined) error.port = port;
  return error;
}
