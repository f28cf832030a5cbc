import { defineConfig } from 'tsup';

export default defineConfig({
  // `testing` holds the realistic session generator plugins test and bench with.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  format: ['esm'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
});
