/** The day (`YYYY-MM-DD`) last seen, and its midnight in epoch ms. */
let day = '\u0000';
let dayMs = 0;

function digit(text: string, at: number): number {
  const d = text.charCodeAt(at) - 48;
  return d >= 0 && d <= 9 ? d : Number.NaN;
}

/**
 * Microseconds since the epoch of an ISO instant. Events carry
 * `toISOString()` forms (`2026-11-28T12:00:01.234Z`), two or three per
 * exchange: those are read digit by digit against a cached midnight, about
 * five times cheaper than `Date.parse`; any other form goes to `Date.parse`.
 */
export function microsOf(iso: string): number {
  if (
    iso.length !== 24 ||
    iso.charCodeAt(10) !== 84 || // T
    iso.charCodeAt(13) !== 58 || // :
    iso.charCodeAt(16) !== 58 ||
    iso.charCodeAt(19) !== 46 || // .
    iso.charCodeAt(23) !== 90 // Z
  ) {
    return Date.parse(iso) * 1000;
  }
  if (!iso.startsWith(day)) {
    day = iso.slice(0, 10);
    dayMs = Date.parse(`${day}T00:00:00.000Z`);
  }
  const hours = digit(iso, 11) * 10 + digit(iso, 12);
  const minutes = digit(iso, 14) * 10 + digit(iso, 15);
  const seconds = digit(iso, 17) * 10 + digit(iso, 18);
  const ms = digit(iso, 20) * 100 + digit(iso, 21) * 10 + digit(iso, 22);
  // NaN (not a digit) fails these too; Date.parse decides what such a string means.
  if (!(hours < 24 && minutes < 60 && seconds < 60 && ms >= 0) || Number.isNaN(dayMs)) {
    return Date.parse(iso) * 1000;
  }
  return (dayMs + ((hours * 60 + minutes) * 60 + seconds) * 1000 + ms) * 1000;
}
