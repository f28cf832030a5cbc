import { type Kysely, sql } from 'kysely';
import { flavorOf } from './flavor';

/**
 * Migration 0004: read-only views shaped like the Go WARP proxy's
 * `connections` and `communications` tables (its MySQL `setup.sql`), for
 * tools written against those. Named `go_warp_*` so a database that still
 * holds Go WARP's own tables migrates without a clash.
 *
 * - `go_warp_connections`: one row per session. `mail_from` / `mail_to` are
 *   the first transaction's sender and first recipient (Go WARP kept the
 *   last address it saw), `occurred_at` the close time (Go WARP wrote the row
 *   when the connection closed), `elapsed_seconds` whole seconds.
 * - `go_warp_communications`: per exchange, the command (`->`, client to
 *   server) and the reply (`<-`, server to client) as two rows; the greeting
 *   has only its reply. `data` is the stored line (redacted as the privacy
 *   level says), not Go WARP's raw read buffer.
 *
 * Both add `node_id`, which Go WARP did not have (ids are per node).
 */
export async function goWarpViews(db: Kysely<unknown>): Promise<void> {
  const mysql = flavorOf(db) === 'mysql';
  // UTC whatever the session time zone (MySQL's from_unixtime uses the session's).
  const time = (us: string) =>
    mysql
      ? `date_add(cast('1970-01-01' as datetime(6)), interval ${us} microsecond)`
      : `strftime('%Y-%m-%d %H:%M:%f', ${us} / 1000000.0, 'unixepoch')`;
  const text = (...parts: string[]) => (mysql ? `concat(${parts.join(', ')})` : parts.join(' || '));
  const seconds = mysql ? 'floor(s.total_ms / 1000)' : 'cast(s.total_ms / 1000 as integer)';
  const create = mysql ? 'create or replace view' : 'create view if not exists';
  await sql
    .raw(`${create} go_warp_connections as
    select s.session_id as id,
      (select t.sender from transactions t
        where t.node_id = s.node_id and t.session_id = s.session_id
        order by t.txn_no limit 1) as mail_from,
      (select r.address from recipients r
        where r.node_id = s.node_id and r.session_id = s.session_id
        order by r.txn_no, r.position limit 1) as mail_to,
      ${time('coalesce(s.closed_us, s.opened_us)')} as occurred_at,
      ${seconds} as elapsed_seconds,
      s.node_id as node_id
    from sessions s`)
    .execute(db);
  await sql
    .raw(`${create} go_warp_communications as
    select ${text('e.id', "'-c'")} as id, e.session_id as connection_id, '->' as direction,
      e.command as data, ${time('e.command_us')} as occurred_at, e.node_id as node_id
    from exchanges e where e.command is not null
    union all
    select ${text('e.id', "'-r'")} as id, e.session_id as connection_id, '<-' as direction,
      ${text('e.reply_code', "' '", 'e.reply_text')} as data, ${time('e.at_us')} as occurred_at,
      e.node_id as node_id
    from exchanges e`)
    .execute(db);
}
