import type { EnhancedStatus } from './reply';

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?= |$)/;

/**
 * Reads an RFC 3463 enhanced status code at the start of `text`
 * (`'4.7.28 Our system has detected...'`). Returns `undefined` when there is none.
 *
 * @example parseEnhancedStatus('5.7.1 Relaying denied') // { class: 5, subject: 7, detail: 1 }
 */
export function parseEnhancedStatus(text: string): EnhancedStatus | undefined {
  const match = ENHANCED.exec(text);
  if (!match) return undefined;
  return { class: Number(match[1]), subject: Number(match[2]), detail: Number(match[3]) };
}

/**
 * Formats an enhanced status code as `class.subject.detail`.
 *
 * @example formatEnhancedStatus({ class: 4, subject: 7, detail: 0 }) // '4.7.0'
 */
export function formatEnhancedStatus(status: EnhancedStatus): string {
  return `${status.class}.${status.subject}.${status.detail}`;
}
