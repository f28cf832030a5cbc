// The benches' event mix: sessions as the relay emits them, by index.
import type { TransactionOutcome, WarpEvent } from '@warp/hooks';
import { sessionEvents } from '../src/testing/session-events';

/** Start of the mix's clock: a day ago (session `i` starts `5 * i` ms later). */
export const T0 = Date.now() - 86_400_000;
const EGRESS = ['198.51.100.1', '198.51.100.2', '198.51.100.3', '198.51.100.4'];

/** `store`: the store bench's mix; `lab`: what the relay lab bench sends (smtp-source). */
export type Mix = 'store' | 'lab';

/**
 * Session `i` of a mix. `store`: 20 domains, 80% delivered, 12% deferred, 5%
 * rejected, 3% bounced, 1-3 recipients, STARTTLS. `lab`: one domain, one
 * recipient, no STARTTLS, outcomes as in `store`.
 */
export function mixSession(i: number, mix: Mix = 'store', sessionId = `b-${i}`): WarpEvent[] {
  const lab = mix === 'lab';
  const r = (i * 7919) % 100;
  const outcome: TransactionOutcome =
    r < 80 ? 'delivered' : r < 92 ? 'deferred' : r < 97 ? 'rejected' : 'bounced';
  const domain = `provider${lab ? 0 : i % 20}.test`;
  const recipients = Array.from(
    { length: lab ? 1 : 1 + (i % 3) },
    (_, k) => `user${k}.${i}@${domain}`,
  );
  return sessionEvents({
    sessionId,
    startMs: T0 + i * 5,
    domain,
    egress: EGRESS[i % EGRESS.length],
    outcome,
    recipients,
    tls: !lab,
    slowness: 0.5 + (r % 10) / 5,
  });
}
