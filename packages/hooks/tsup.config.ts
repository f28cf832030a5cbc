import { warpTsup } from '../../tooling/tsup/preset.ts';

export default warpTsup({
  // `testing` is the conformance suite entry (`@warp/hooks/testing`); it imports vitest.
  // `plugin-worker` is the entry of a plugin's worker thread (next to index.js, see worker-plugin.ts).
  entry: {
    index: 'src/index.ts',
    testing: 'src/testing/index.ts',
    'plugin-worker': 'src/internal/plugin-worker.ts',
  },
  external: ['vitest'],
});
