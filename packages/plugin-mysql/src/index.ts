export type { MysqlConnection, MysqlOptions } from './mysql-plugin';
export { default, mysqlStore } from './mysql-plugin';
