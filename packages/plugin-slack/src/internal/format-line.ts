import type { WarpEvent } from '@warp/hooks';
import type { SlackTrigger } from '../slack-options';

const FAILED_REASONS: ReadonlySet<string> = new Set([
  'timeout',
  'connect-failed',
  'tls-failed',
  'server-closed',
  'error',
]);

/** Which trigger an event fires, or `null` when it does not notify. */
export function triggerOf(event: WarpEvent): SlackTrigger | null {
  switch (event.type) {
    case 'session.closed':
      return FAILED_REASONS.has(event.reason) ? 'session.failed' : null;
    case 'transaction.completed':
      return event.outcome === 'delivered' ? null : `transaction.${event.outcome}`;
    case 'tls.failed':
      return 'tls.failed';
    case 'tls.upgraded':
      return event.verified ? null : 'tls.unverified';
    case 'plugin.failed':
    case 'plugin.slow':
    case 'events.dropped':
      return event.type;
    default:
      return null;
  }
}

/** Slack mrkdwn needs `&`, `<` and `>` escaped (addresses come in angle brackets). */
function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** One digest line for an event that notifies. */
export function formatLine(event: WarpEvent): string {
  switch (event.type) {
    case 'session.closed': {
      const detail = event.error ? ` (${event.error.code}: ${event.error.message})` : '';
      return `:x: session \`${event.sessionId}\` ended: ${event.reason}${detail}`;
    }
    case 'transaction.completed': {
      const reply = event.finalReply;
      const by = event.decidedBy === 'plugin' ? ` by plugin ${event.plugin}` : '';
      const rcpts = event.recipients.map((r) => r.address).join(', ');
      return `:no_entry: ${event.outcome}${by}: ${event.sender || '<>'} → ${rcpts}: ${reply.code} ${reply.enhanced ?? ''} ${reply.text} (session \`${event.sessionId}\`)`;
    }
    case 'tls.failed':
      return `:unlock: TLS ${event.stage} failed: ${event.reason}${event.continuedInPlaintext ? ', went on in plaintext' : ''} (session \`${event.sessionId}\`)`;
    case 'tls.upgraded':
      return `:warning: TLS certificate not verified: ${event.verifyError ?? 'unknown'} (${event.certificate?.subject ?? 'no certificate'}, session \`${event.sessionId}\`)`;
    case 'plugin.failed':
      return `:boom: plugin ${event.plugin} ${event.hook} failed: ${event.error.code ?? event.error.name}: ${event.error.message}`;
    case 'plugin.slow':
      return `:hourglass: plugin ${event.plugin} ${event.hook} slower than ${event.deadlineMs} ms: ${event.fallback}`;
    case 'events.dropped':
      return `:wastebasket: plugin ${event.plugin} dropped ${event.count} events (${event.total} in total)`;
    default:
      return `${(event as { type: string }).type}`;
  }
}

/** Escape a line for Slack and cut it to a readable length. */
export function toMrkdwn(line: string): string {
  const escaped = escapeMrkdwn(line);
  return escaped.length > 500 ? `${escaped.slice(0, 497)}...` : escaped;
}
