import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OriginalDstError } from '../original-dst-error';
import type { NativeBinding } from './native-binding';

const PACKAGE_NAME = '@warp/original-dst';
const BINARY = 'original_dst.node';

/** How to rebuild, quoted in every load error so an operator can act on it alone. */
export const REBUILD_HINT =
  `rebuild it with \`pnpm --filter ${PACKAGE_NAME} rebuild\` in the warp workspace ` +
  `(or \`npm rebuild ${PACKAGE_NAME}\` where it is installed as a dependency); ` +
  'the build needs python3, make and a C++ compiler, and node headers (nodedir=/usr in .npmrc)';

/** Inputs of {@link loadBinding}, injectable so tests can exercise each failure. */
export interface LoadBindingOptions {
  /** `process.platform` unless testing. */
  platform?: NodeJS.Platform;
  /** Paths tried in order; by default build/Release then build/Debug of this package. */
  candidates?: readonly string[];
}

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

function defaultCandidates(): string[] {
  const root = packageRoot();
  if (root === undefined) return [];
  return [join(root, 'build', 'Release', BINARY), join(root, 'build', 'Debug', BINARY)];
}

/**
 * Loads the compiled addon. Throws `WARP_ERR_ORIGINAL_DST_UNSUPPORTED_PLATFORM`
 * off Linux (SO_ORIGINAL_DST is a Linux netfilter feature) and
 * `WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED`, with the rebuild command, when the
 * binary is missing or does not load.
 */
export function loadBinding(options: LoadBindingOptions = {}): NativeBinding {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') {
    throw new OriginalDstError(
      'WARP_ERR_ORIGINAL_DST_UNSUPPORTED_PLATFORM',
      `SO_ORIGINAL_DST exists only on Linux (netfilter), not on ${platform}: run warp on a Linux host`,
    );
  }
  const candidates = options.candidates ?? defaultCandidates();
  const path = candidates.find((candidate) => existsSync(candidate));
  if (path === undefined) {
    throw new OriginalDstError(
      'WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED',
      `native addon ${BINARY} is not built (looked in ${candidates.join(', ') || 'no folder: package root not found'}): ${REBUILD_HINT}`,
    );
  }
  let binding: Partial<NativeBinding> & { platform?: unknown };
  try {
    binding = createRequire(import.meta.url)(path);
  } catch (cause) {
    throw new OriginalDstError(
      'WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED',
      `native addon ${path} does not load (${(cause as Error).message}): ${REBUILD_HINT}`,
      { cause },
    );
  }
  if (binding.platform !== 'linux' || typeof binding.originalDestination !== 'function') {
    throw new OriginalDstError(
      'WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED',
      `native addon ${path} was built without Linux support or by another version: ${REBUILD_HINT}`,
    );
  }
  return binding as NativeBinding;
}

let loaded: NativeBinding | undefined;

/** The addon, loaded on first use so that importing this package never throws. */
export function binding(): NativeBinding {
  loaded ??= loadBinding();
  return loaded;
}
