import { createHookBus, type Plugin, type WarpEvent } from '@warp/hooks';
import {
  runConformanceSuite,
  sampleSession,
  sessionClosed,
  transactionCompleted,
} from '@warp/hooks/testing';
import { afterEach, describe, expect, it } from 'vitest';
import slackPlugin from './index';
import { type FakeBehaviour, startFakeSlack } from './internal/fake-slack';

type Fake = Awaited<ReturnType<typeof startFakeSlack>>;
const fakes: Fake[] = [];
async function fake(behaviours: FakeBehaviour[] = []): Promise<Fake> {
  const started = await startFakeSlack(behaviours);
  fakes.push(started);
  return started;
}
afterEach(async () => {
  for (const started of fakes.splice(0)) await started.close();
});

const fast = { digestIntervalMs: 50, retryBaseMs: 10, requestTimeoutMs: 2000 };

async function run(plugin: Plugin, events: readonly WarpEvent[]) {
  const failures: WarpEvent[] = [];
  const watcher: Plugin = {
    name: 'watcher',
    apiVersion: 1,
    events: ['plugin.failed'],
    hooks: { onEvent: (e) => void failures.push(e) },
  };
  const bus = createHookBus({
    nodeId: 'mx-out-1',
    plugins: [plugin, watcher],
    lifecycleTimeoutMs: 20_000,
  });
  await bus.init();
  for (const event of events) bus.emit(event as never);
  await bus.close();
  return failures;
}

let conformanceFake: Fake | null = null;
runConformanceSuite('plugin-slack', {
  factory: slackPlugin,
  options: async () => {
    conformanceFake ??= await startFakeSlack();
    return { webhookUrl: conformanceFake.webhookUrl, ...fast, maxLines: 100 };
  },
  invalidOptions: [
    {},
    { webhookUrl: 'not a url' },
    { token: 'xoxb-1' },
    { webhookUrl: 'http://127.0.0.1/x', token: 'xoxb-1', channel: 'C1' },
    { webhookUrl: 'http://127.0.0.1/x', digestIntervalMs: 1 },
  ],
  afterClose: async (events) => {
    const expected = events.filter((e) => e.type === 'tls.failed').length;
    const texts = conformanceFake!.texts().join('\n');
    const delivered = texts
      .split('\n')
      .filter((line) => line.includes('conformance-') && line.includes('TLS')).length;
    expect(delivered).toBe(expected);
    await conformanceFake!.close();
    conformanceFake = null;
  },
});

describe('slackPlugin', () => {
  it('sends only the configured events, as a digest through the webhook', async () => {
    const slack = await fake();
    const plugin = slackPlugin({
      webhookUrl: slack.webhookUrl,
      notify: ['transaction.rejected', 'session.failed'],
      ...fast,
    });
    const failures = await run(plugin, [
      ...sampleSession('ok-session'),
      transactionCompleted('s-2', 'rejected'),
      transactionCompleted('s-2', 'deferred'),
      sessionClosed('s-2', 'timeout'),
    ]);
    expect(failures).toEqual([]);
    const text = slack.texts().join('\n');
    expect(slack.requests[0]?.path).toBe('/services/T000/B000/SECRETwebhookPART');
    expect(text).toContain('*warp mx-out-1*');
    expect(text).toContain(
      ':no_entry: rejected: alice@example.org → bob@example.net, carol@example.net: 550 5.7.1 refused',
    );
    expect(text).toContain(':x: session `s-2` ended: timeout (ECONNRESET: read ECONNRESET)');
    expect(text).not.toContain('deferred');
    expect(text).not.toContain('ok-session');
  });

  it('waits Retry-After on 429 and then delivers', async () => {
    const slack = await fake([{ kind: 'status', status: 429, retryAfter: '1' }]);
    const failures = await run(slackPlugin({ webhookUrl: slack.webhookUrl, ...fast }), [
      sessionClosed('s-1', 'error'),
    ]);
    expect(failures).toEqual([]);
    expect(slack.requests).toHaveLength(2);
    expect(slack.requests[1]!.at - slack.requests[0]!.at).toBeGreaterThanOrEqual(990);
    expect(slack.requests[1]!.body).toEqual(slack.requests[0]!.body);
  });

  it('retries a request that times out', async () => {
    const slack = await fake([{ kind: 'hang' }]);
    const plugin = slackPlugin({ webhookUrl: slack.webhookUrl, ...fast, requestTimeoutMs: 200 });
    const failures = await run(plugin, [sessionClosed('s-1', 'error')]);
    expect(failures).toEqual([]);
    expect(slack.requests).toHaveLength(2);
  });

  it('gives up after maxRetries and reports without leaking the webhook secret', async () => {
    const slack = await fake(
      Array.from({ length: 4 }, () => ({ kind: 'status', status: 503 }) as const),
    );
    const failures = await run(
      slackPlugin({ webhookUrl: slack.webhookUrl, ...fast, maxRetries: 3 }),
      [sessionClosed('s-1', 'error')],
    );
    expect(slack.requests).toHaveLength(4);
    expect(failures).toEqual([
      expect.objectContaining({
        plugin: 'slack',
        error: expect.objectContaining({ code: 'WARP_ERR_SLACK_REQUEST' }),
      }),
    ]);
    expect(JSON.stringify(failures)).toContain('/services/…');
    expect(JSON.stringify(failures)).not.toContain('SECRET');
  });

  it('uses chat.postMessage with the token only in the Authorization header', async () => {
    const slack = await fake([{ kind: 'api-error', error: 'invalid_auth' }]);
    const token = 'xoxb-SECRET-token-123';
    const plugin = slackPlugin({ token, channel: 'C0WARP', apiUrl: slack.apiUrl, ...fast });
    const failures = await run(plugin, [
      sessionClosed('s-1', 'error'),
      sessionClosed('s-2', 'timeout'),
    ]);
    expect(slack.requests[0]).toMatchObject({
      path: '/api/chat.postMessage',
      body: { channel: 'C0WARP' },
    });
    expect(slack.requests[0]!.headers.authorization).toBe(`Bearer ${token}`);
    expect(failures).toEqual([
      expect.objectContaining({
        error: expect.objectContaining({
          code: 'WARP_ERR_SLACK_API',
          message: expect.stringContaining('invalid_auth'),
        }),
      }),
    ]);
    expect(JSON.stringify(failures)).not.toContain('SECRET');
  });

  it('sends at most one message per interval and counts lines beyond maxPending', async () => {
    const slack = await fake();
    const plugin = slackPlugin({
      webhookUrl: slack.webhookUrl,
      digestIntervalMs: 300,
      maxLines: 10,
      maxPending: 25,
    });
    const events = Array.from({ length: 40 }, (_, i) => sessionClosed(`s-${i}`, 'timeout'));
    const failures = await run(plugin, events);
    expect(failures).toEqual([]);
    const gaps = slack.requests.slice(1).map((r, i) => r.at - slack.requests[i]!.at);
    expect(gaps.every((gap) => gap >= 290)).toBe(true);
    const text = slack.texts().join('\n');
    const lines = text.split('\n').filter((line) => line.startsWith(':x:'));
    expect(lines.length + 15).toBe(40);
    expect(text).toContain('…and 15 more not shown (over maxPending)');
  });

  it('does not echo a malformed webhook URL or token in the option error', () => {
    const leaky = { webhookUrl: 'hooks.slack.com/services/T0/B0/SECRETpart', token: 42 };
    expect(() => slackPlugin(leaky as never)).toThrow(
      /options\.webhookUrl: expected .*, got "\(hidden\)"/,
    );
    try {
      slackPlugin(leaky as never);
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET');
      expect((error as Error).message).toContain('options.token');
    }
  });

  it('refuses options naming neither or both targets, without showing values', () => {
    expect(() => slackPlugin({ token: 'xoxb-SECRET' })).toThrow(
      /options: expected either webhookUrl, or token and channel \(not both\), got token/,
    );
    try {
      slackPlugin({ token: 'xoxb-SECRET' });
    } catch (error) {
      expect((error as Error).message).not.toContain('SECRET');
    }
  });
});
