import { filePlugin } from './file-plugin';

export type { FileOptions } from './file-options';
export { validateFileOptions } from './file-options';
export { filePlugin };
export default filePlugin;
