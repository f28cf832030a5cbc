import {
  checkOptions,
  definePlugin,
  type EventType,
  type OptionsValidation,
  type PluginContext,
  PluginOptionsError,
} from '@warp/hooks';
import { Digest } from './internal/digest';
import { formatLine, toMrkdwn, triggerOf } from './internal/format-line';
import { SlackPoster, type SlackTarget } from './internal/slack-poster';
import { type SlackOptions, type SlackTrigger, validateSlackOptions } from './slack-options';

const DEFAULT_TRIGGERS: readonly SlackTrigger[] = [
  'session.failed',
  'transaction.rejected',
  'transaction.bounced',
  'tls.failed',
];

const EVENTS_OF: Record<SlackTrigger, EventType> = {
  'session.failed': 'session.closed',
  'transaction.rejected': 'transaction.completed',
  'transaction.bounced': 'transaction.completed',
  'transaction.deferred': 'transaction.completed',
  'tls.failed': 'tls.failed',
  'tls.unverified': 'tls.upgraded',
  'plugin.failed': 'plugin.failed',
  'plugin.slow': 'plugin.slow',
  'events.dropped': 'events.dropped',
};

const SECRET_PATHS: ReadonlySet<string> = new Set(['$input.webhookUrl', '$input.token']);

/** A malformed webhook URL or token still holds the secret: never echo it in the error. */
function hideSecrets<T>(validation: OptionsValidation<T>): OptionsValidation<T> {
  if (validation.success) return validation;
  const errors = validation.errors.map((error) =>
    SECRET_PATHS.has(error.path) ? { ...error, value: '(hidden)' } : error,
  );
  return { ...validation, errors };
}

function targetOf(options: SlackOptions): SlackTarget {
  if (options.webhookUrl && !options.token && !options.channel)
    return { kind: 'webhook', url: options.webhookUrl };
  if (!options.webhookUrl && options.token && options.channel) {
    return {
      kind: 'api',
      apiUrl: options.apiUrl ?? 'https://slack.com/api',
      token: options.token,
      channel: options.channel,
    };
  }
  // Values are never shown: they may be secrets.
  throw new PluginOptionsError('slack', [
    {
      path: 'options',
      expected: 'either webhookUrl, or token and channel (not both)',
      found:
        ['webhookUrl', 'token', 'channel'].filter((key) => key in options).join(', ') ||
        'none of them',
    },
  ]);
}

/**
 * Sends Slack notifications for failed sessions, refused transactions, TLS
 * failures (configurable), as rate-limited digests through an incoming
 * webhook or `chat.postMessage`. Posting never blocks the bus: lines are
 * queued and sent at most once per `digestIntervalMs`; failures are reported
 * as `plugin.failed` notices without the token or webhook secret.
 *
 * @example
 * ```ts
 * import slackPlugin from '@warp/plugin-slack';
 * const plugin = slackPlugin({ webhookUrl: process.env.SLACK_WEBHOOK!, notify: ['session.failed', 'tls.failed'] });
 * ```
 */
export const slackPlugin = definePlugin((input: SlackOptions) => {
  const options = checkOptions('slack', hideSecrets(validateSlackOptions(input)));
  const target = targetOf(options);
  const triggers = new Set(options.notify ?? DEFAULT_TRIGGERS);
  let poster: SlackPoster | null = null;
  let digest: Digest | null = null;
  return {
    name: options.name ?? 'slack',
    apiVersion: 1,
    events: [...new Set([...triggers].map((trigger) => EVENTS_OF[trigger]))],
    init(context: PluginContext) {
      const active = new SlackPoster({
        target,
        timeoutMs: options.requestTimeoutMs ?? 10_000,
        maxRetries: options.maxRetries ?? 5,
        retryBaseMs: options.retryBaseMs ?? 1000,
      });
      poster = active;
      digest = new Digest({
        intervalMs: options.digestIntervalMs ?? 1000,
        maxLines: options.maxLines ?? 20,
        maxPending: options.maxPending ?? 1000,
        title: `*warp ${context.nodeId}*`,
        send: (text) => active.post(text),
        onError: (error) => context.report(error),
      });
    },
    hooks: {
      onEvent(event) {
        const trigger = triggerOf(event);
        if (trigger && triggers.has(trigger)) digest?.add(toMrkdwn(formatLine(event)));
      },
    },
    async close() {
      await digest?.flush();
      await poster?.close();
      digest = null;
      poster = null;
    },
  };
});
