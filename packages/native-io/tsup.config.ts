import { warpTsup } from '../../tooling/tsup/preset.ts';

export default warpTsup();
