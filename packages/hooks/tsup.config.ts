import { defineConfig } from 'tsup';

export default defineConfig({
  // `testing` is the conformance suite entry (`@warp/hooks/testing`); it imports vitest.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  external: ['vitest'],
});
