/**
 * Widest value of each VARCHAR column (characters), by column name (a name
 * means the same in every table). MySQL in strict mode refuses a longer
 * value, which would fail the whole batch again at every retry: values are
 * cut to fit before they are written. Other strings are TEXT columns, cut to
 * {@link TEXT_WIDTH} (64 KiB of utf8mb4).
 */
export const COLUMN_WIDTHS: Readonly<Record<string, number>> = {
  node_id: 64,
  session_id: 64,
  batch_id: 64,
  client_address: 45,
  destination_address: 45,
  egress_address: 45,
  mx_host: 255,
  dest_domain: 255,
  sender_domain: 255,
  domain: 255,
  sender: 320,
  address: 320,
  close_reason: 32,
  error_code: 64,
  tls_protocol: 32,
  tls_cipher: 128,
  outcome: 16,
  reply_enhanced: 16,
  decided_by: 16,
  plugin: 64,
  verb: 16,
  stage: 32,
  protocol: 32,
  cipher: 128,
  verify_error: 128,
  cert_valid_from: 32,
  cert_valid_to: 32,
  cert_fingerprint: 128,
  dimension: 16,
  group_key: 255,
  // message_captures: MEDIUMTEXT / LONGTEXT on MySQL. A captured message is
  // written in a statement of its own, which MySQL's max_allowed_packet
  // (16 MiB by default) must hold: keep the relay's capture limit below it.
  headers: 4_000_000,
  content: 64 * 1024 * 1024,
};

/** Characters kept of a TEXT column (4 bytes each in utf8mb4: under MySQL's 65535-byte TEXT). */
export const TEXT_WIDTH = 16_000;

/** Characters a string in `column` may hold. */
export function widthOf(column: string): number {
  return COLUMN_WIDTHS[column] ?? TEXT_WIDTH;
}

/**
 * `value` cut to `width` characters: how every write path and the rollups
 * cut, so a rollup's group key matches the rows it counts.
 */
export function cutTo(value: string, width = Number.POSITIVE_INFINITY): string {
  return value.length > width ? value.slice(0, width) : value;
}

/** The row with every string cut to its column's width (the same object when nothing is too long). */
export function fitRow<T extends object>(row: T): T {
  let copy: Record<string, unknown> | undefined;
  const source = row as Record<string, unknown>;
  // for...in, not Object.entries: this runs for every row written, and entries allocates.
  for (const column in source) {
    const value = source[column];
    if (typeof value !== 'string') continue;
    const width = widthOf(column);
    if (value.length > width) {
      copy ??= { ...source };
      copy[column] = value.slice(0, width);
    }
  }
  return (copy ?? row) as T;
}
