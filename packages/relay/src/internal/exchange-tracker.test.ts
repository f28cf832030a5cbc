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
  it.each([
    { name: "'.'", end: ['.', '.'] },
    { name: 'BDAT LAST', end: ['BDAT', 'BDAT 10 LAST'] },
  ])(
    'leaves a transaction to its end-of-data reply when MAIL is pipelined behind $name',
    ({ end }) => {
      const { t, completed, answer } = tracker();
      t.sent('MAIL', 'MAIL FROM:<a@example.org>', 'a@example.org');
      t.sent('RCPT', 'RCPT TO:<b@example.net>', 'b@example.net');
      if (end[0] === '.') t.sent('DATA', 'DATA');
      answer(250);
      answer(250);
      if (end[0] === '.') answer(354);
      t.sent(end[0] as string, end[1] as string);
      t.sent('MAIL', 'MAIL FROM:<c@example.org>', 'c@example.org');
      t.sent('RCPT', 'RCPT TO:<d@example.net>', 'd@example.net');
      expect(completed()).toHaveLength(0);
      answer(250);
      expect(completed().map((e) => [e.transaction, e.outcome, e.finalReply.code])).toEqual([
        [1, 'delivered', 250],
      ]);
      answer(250);
      answer(550);
      t.completeAll(null, 'relay');
      expect(completed().map((e) => [e.transaction, e.outcome, e.finalReply.code])).toEqual([
        [1, 'delivered', 250],
        [2, 'rejected', 550],
      ]);
    },
  );

  it('completes a transaction whose end-of-data reply never came when the session ends', () => {
    const { t, completed, answer } = tracker();
    t.sent('MAIL', 'MAIL FROM:<a@example.org>', 'a@example.org');
    t.sent('RCPT', 'RCPT TO:<b@example.net>', 'b@example.net');
    answer(250);
    answer(250);
    t.sent('BDAT', 'BDAT 10 LAST');
    t.sent('MAIL', 'MAIL FROM:<c@example.org>', 'c@example.org');
    t.completeAll({ code: 421, enhanced: '4.4.2', text: 'lost' }, 'relay');
    expect(completed().map((e) => [e.transaction, e.outcome])).toEqual([
      [1, 'deferred'],
      [2, 'deferred'],
    ]);
  });

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
