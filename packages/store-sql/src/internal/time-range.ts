/** A point in time as the query API accepts it: a `Date`, an ISO string or epoch milliseconds. */
export type TimeInput = Date | string | number;

/** Microseconds since the epoch, the unit of every `*_us` column. */
export function toMicros(time: TimeInput): number {
  const ms =
    time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : time;
  if (!Number.isFinite(ms)) throw new RangeError(`[warp] [store-sql] not a time: ${String(time)}`);
  return Math.round(ms * 1000);
}

/** ISO 8601 of a `*_us` column value (microseconds beyond the millisecond are dropped). */
export function microsToIso(micros: number): string {
  return new Date(Math.floor(Number(micros) / 1000)).toISOString();
}
