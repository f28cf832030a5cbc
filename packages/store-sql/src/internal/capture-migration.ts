import { type Kysely, sql } from 'kysely';
import { id, withCharset } from './ddl';
import { flavorOf } from './flavor';

/**
 * Migration 0003: `message_captures`, the headers and content of a
 * transaction's message where the privacy level keeps them (`headers`,
 * `full`). Content is LONGTEXT on MySQL (TEXT stops at 64 KiB).
 */
export async function captureTables(db: Kysely<unknown>): Promise<void> {
  const flavor = flavorOf(db);
  await withCharset(
    flavor,
    db.schema
      .createTable('message_captures')
      .ifNotExists()
      .addColumn('node_id', id, (c) => c.notNull())
      .addColumn('session_id', id, (c) => c.notNull())
      .addColumn('txn_no', 'integer', (c) => c.notNull())
      .addColumn('headers', flavor === 'mysql' ? sql`mediumtext` : 'text')
      .addColumn('content', flavor === 'mysql' ? sql`longtext` : 'text')
      .addColumn('content_truncated', 'smallint', (c) => c.notNull())
      .addPrimaryKeyConstraint('message_captures_pk', ['node_id', 'session_id', 'txn_no']),
  ).execute();
}
