import { warpTsup } from '../../tooling/tsup/preset.ts';

export default warpTsup({
  // `testing` holds the realistic session generator plugins test and bench with.
  entry: { index: 'src/index.ts', testing: 'src/testing/index.ts' },
});
