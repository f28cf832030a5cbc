export type { SqliteOptions } from './sqlite-plugin';
export { default, sqliteStore } from './sqlite-plugin';
