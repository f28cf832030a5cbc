import { type ColumnDefinitionBuilder, type CreateTableBuilder, sql } from 'kysely';
import type { Flavor } from './flavor';

type Table = CreateTableBuilder<string, never>;

/** The table as InnoDB in utf8mb4 on MySQL (utf8mb3 columns reject emoji and 4-byte UTF-8 addresses, RFC 6531). */
export function withCharset(flavor: Flavor, table: Table): Table {
  return flavor === 'mysql'
    ? table.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`)
    : table;
}

/** An auto-increment primary key, in the order each dialect's DDL wants the modifiers. */
export function autoId(flavor: Flavor) {
  return (col: ColumnDefinitionBuilder) =>
    flavor === 'mysql' ? col.autoIncrement().primaryKey() : col.primaryKey().autoIncrement();
}

/** Column types the tables share. */
export const id = 'varchar(64)';
export const host = 'varchar(255)';
export const ip = 'varchar(45)';
export const short = 'varchar(32)';
