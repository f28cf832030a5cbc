import type { SessionEvent, TransactionCompletedEvent } from '@warp/hooks';
import { describe, expect, it } from 'vitest';
import { ExchangeTracker } from './exchange-tracker';
import { localReply } from './received-reply';

function tracker() {
  const events: SessionEvent[] = [];
  const t = new ExchangeTracker({ nodeId: 'n', sessionId: 's' }, (e) => events.push(e));
  const completed = () =>
    events.filter((e): e is TransactionCompletedEvent => e.type === 'transaction.completed');
  const answer = (code: number, enhanced = `${String(code)[0]}.0.0`) => {
    const pending = t.fifo.shift();
    if (!pending) throw new Error('nothing pending');
    t.replied(pending, localReply(code, enhanced, 'text'));
  };
  return { t, events, completed, answer };
}

describe('ExchangeTracker', () => {
  it('matches pipelined replies to their commands in order, with latency', () => {
    const { t, events, answer } = tracker();
    t.sent('MAIL', 'MAIL FROM:<a@example.org>', 'a@example.org');
    t.sent('RCPT', 'RCPT TO:<b@example.net>', 'b@example.net');
    t.sent('DATA', 'DATA');
    answer(250);
    answer(250);
    answer(354);
    const exchanges = events.filter((e) => e.type === 'reply.received');
    expect(
      exchanges.map((e) =>
        e.type === 'reply.received' ? `${e.command?.verb}:${e.reply.code}:${e.transaction}` : '',
      ),
    ).toEqual(['MAIL:250:1', 'RCPT:250:1', 'DATA:354:1']);
    expect(exchanges.every((e) => e.type === 'reply.received' && e.latencyMs >= 0)).toBe(true);
  });

  it.each([
    {
      name: 'a 250 to end of data is delivered',
      replies: [250, 250, 354, 250],
      outcome: 'delivered',
      final: 250,
    },
    {
      name: 'a 451 to end of data is deferred',
      replies: [250, 250, 354, 451],
      outcome: 'deferred',
      final: 451,
    },
    {
      name: 'a 554 to end of data is bounced',
      replies: [250, 250, 354, 554],
      outcome: 'bounced',
      final: 554,
    },
    {
      name: 'every recipient refused permanently is rejected (by the RCPT reply)',
      replies: [250, 550, 554],
      outcome: 'rejected',
      final: 550,
    },
    {
      name: 'a temporarily refused recipient is deferred',
      replies: [250, 450, 554],
      outcome: 'deferred',
      final: 450,
    },
    {
      name: 'a refused MAIL is rejected',
      replies: [553, 503, 503],
      outcome: 'rejected',
      final: 553,
    },
  ])('judges the outcome: $name', ({ replies, outcome, final }) => {
    const { t, completed, answer } = tracker();
    t.sent('MAIL', 'MAIL FROM:<a@example.org>', 'a@example.org');
    t.sent('RCPT', 'RCPT TO:<b@example.net>', 'b@example.net');
    t.sent('DATA', 'DATA');
    answer(replies[0] as number);
    answer(replies[1] as number);
    answer(replies[2] as number);
    if (replies.length > 3) {
      t.sent('.', '.');
      answer(replies[3] as number);
    }
    expect(completed()).toHaveLength(1);
    expect(completed()[0]).toMatchObject({
      outcome,
      finalReply: { code: final },
      sender: 'a@example.org',
    });
  });

  it('closes a transaction abandoned with RSET, judging it from the replies so far', () => {
    const { t, completed, answer } = tracker();
    t.sent('MAIL', 'MAIL FROM:<>', '');
    t.sent('RCPT', 'RCPT TO:<b@example.net>', 'b@example.net');
    answer(250);
    answer(550);
    t.sent('RSET', 'RSET');
    answer(250);
    expect(completed()[0]).toMatchObject({
      outcome: 'rejected',
      sender: '',
      finalReply: { code: 550 },
    });
    expect(t.current).toBeNull();
  });

  it('completes an open transaction with the relay reply when the session ends', () => {
    const { t, completed, answer } = tracker();
    t.sent('MAIL', 'MAIL FROM:<a@example.org>', 'a@example.org');
    t.sent('RCPT', 'RCPT TO:<b@example.net>', 'b@example.net');
    answer(250);
    answer(250);
    t.complete(null, { code: 421, enhanced: '4.4.2', text: 'lost' }, 'relay');
    expect(completed()[0]).toMatchObject({
      outcome: 'deferred',
      decidedBy: 'relay',
      finalReply: { code: 421 },
    });
  });
});
