import type { EventSink, SessionEvent } from '@warp/hooks';

/** Which events the sink takes: the relay builds no event nobody takes. */
export type EventWants = Readonly<Record<SessionEvent['type'], boolean>>;

/** From the sink's `types` (absent: all; no sink: none). */
export function eventWants(sink: EventSink | undefined): EventWants {
  const wants = (type: SessionEvent['type']) =>
    sink !== undefined && (sink.types === undefined || sink.types.has(type));
  return {
    'session.opened': wants('session.opened'),
    'reply.received': wants('reply.received'),
    'tls.upgraded': wants('tls.upgraded'),
    'tls.failed': wants('tls.failed'),
    'transaction.completed': wants('transaction.completed'),
    'session.closed': wants('session.closed'),
  };
}

/** A sink that takes everything (tests, embedders without `types`). */
export const ALL_EVENTS: EventWants = eventWants({ emit: () => {} });
