import typia from '@typia/unplugin/esbuild';
import { defineConfig, type Options } from 'tsup';

/** What differs between packages' builds. */
export interface WarpTsupOptions {
  /** Entry points (default `['src/index.ts']`). */
  entry?: Options['entry'];
  /** Run the typia transform (packages that call `typia.*`). */
  typia?: boolean;
  /** Modules left as imports (e.g. an optional peer such as vitest). */
  external?: string[];
}

/** The build every package shares: ESM + `.d.ts` for Node 20, with source maps. */
export function warpTsup(options: WarpTsupOptions = {}) {
  return defineConfig({
    entry: options.entry ?? ['src/index.ts'],
    format: ['esm'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    external: options.external,
    esbuildPlugins: options.typia ? [typia()] : [],
  });
}
