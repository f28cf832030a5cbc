import { warpTsup } from '../../tooling/tsup/preset.ts';

export default warpTsup({
  entry: ['src/index.ts', 'src/cli.ts'],
  typia: true,
});
