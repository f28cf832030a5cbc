import { warpTsup } from '../../tooling/tsup/preset.ts';

export default warpTsup({
  // `testing` is the conformance suite entry (`@warp/hooks/testing`); it imports vitest.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
  external: ['vitest'],
});
