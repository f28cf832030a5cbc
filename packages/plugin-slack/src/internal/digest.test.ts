import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Digest } from './digest';

function recordingDigest(options: {
  intervalMs: number;
  maxLines?: number;
  sendMs?: number;
  fail?: boolean;
}) {
  const sent: { text: string; at: number }[] = [];
  const errors: unknown[] = [];
  const digest = new Digest({
    intervalMs: options.intervalMs,
    maxLines: options.maxLines ?? 10,
    maxPending: 100,
    title: '*warp test*',
    send: async (text) => {
      sent.push({ text, at: performance.now() });
      await sleep(options.sendMs ?? 0);
      if (options.fail) throw new Error('slack down');
    },
    onError: (error) => void errors.push(error),
  });
  return { digest, sent, errors };
}

describe('Digest', () => {
  it('groups a burst into one message', async () => {
    const { digest, sent } = recordingDigest({ intervalMs: 100 });
    digest.add('a');
    digest.add('b');
    await digest.flush();
    expect(sent.map((s) => s.text)).toEqual(['*warp test*: 2 notifications\na\nb']);
  });

  it('sends a line added during a send in the next message, after the interval', async () => {
    const { digest, sent } = recordingDigest({ intervalMs: 120, sendMs: 30 });
    digest.add('first');
    await sleep(10);
    digest.add('second');
    await digest.flush();
    expect(sent.map((s) => s.text)).toEqual([
      '*warp test*: 1 notification\nfirst',
      '*warp test*: 1 notification\nsecond',
    ]);
    expect(sent[1]!.at - sent[0]!.at).toBeGreaterThanOrEqual(145);
  });

  it('splits long digests by maxLines and says more follow', async () => {
    const { digest, sent } = recordingDigest({ intervalMs: 10, maxLines: 2 });
    for (const line of ['1', '2', '3']) digest.add(line);
    await digest.flush();
    expect(sent.map((s) => s.text)).toEqual([
      '*warp test*: 2 notifications\n1\n2\n(1 more to follow)',
      '*warp test*: 1 notification\n3',
    ]);
  });

  it('reports a failed send and goes on with later lines', async () => {
    const { digest, sent, errors } = recordingDigest({ intervalMs: 10, fail: true });
    digest.add('a');
    await digest.flush();
    digest.add('b');
    await digest.flush();
    expect(sent).toHaveLength(2);
    expect(errors).toHaveLength(2);
  });
});
