import typia, { type tags } from 'typia';

/** Things that can notify. */
export type SlackTrigger =
  /** A session ended by timeout, connect/TLS failure, server close or error. */
  | 'session.failed'
  /** A transaction refused before data (or by a decider plugin). */
  | 'transaction.rejected'
  /** A transaction refused after data (5xx). */
  | 'transaction.bounced'
  /** A transaction deferred (4xx). */
  | 'transaction.deferred'
  /** STARTTLS refused or handshake failed. */
  | 'tls.failed'
  /** TLS up, but the certificate did not verify. */
  | 'tls.unverified'
  /** A plugin failed, was slow, or lost events. */
  | 'plugin.failed'
  | 'plugin.slow'
  | 'events.dropped';

/** Options of the Slack plugin (validated with typia; unknown keys are refused). */
export interface SlackOptions {
  /** Plugin name in notices; set it when you configure two Slack plugins. Default `slack`. */
  name?: string & tags.Pattern<'^[a-z0-9][a-z0-9._-]*$'>;
  /** Incoming webhook URL. Give this, or `token` and `channel`. A secret: never logged. */
  webhookUrl?: string & tags.Format<'uri'>;
  /** Bot token for `chat.postMessage` (`xoxb-...`). A secret: never logged. */
  token?: string & tags.MinLength<1>;
  /** Channel id or name for `chat.postMessage`. */
  channel?: string & tags.MinLength<1>;
  /** Web API base URL. Default `https://slack.com/api`. */
  apiUrl?: string & tags.Format<'uri'>;
  /** What notifies. Default: session.failed, transaction.rejected, transaction.bounced, tls.failed. */
  notify?: SlackTrigger[];
  /** At most one message per this many ms (Slack allows about one per second per channel). Default 1000. */
  digestIntervalMs?: number & tags.Type<'uint32'> & tags.Minimum<50>;
  /** Lines in one message; the rest are counted ("and 12 more"). Default 20. */
  maxLines?: number & tags.Type<'uint32'> & tags.Minimum<1> & tags.Maximum<100>;
  /** Lines waiting at most; beyond, they are counted, not kept. Default 1000. */
  maxPending?: number & tags.Type<'uint32'> & tags.Minimum<1>;
  /** Per-request timeout in ms. Default 10000. */
  requestTimeoutMs?: number & tags.Type<'uint32'> & tags.Minimum<10>;
  /** Retries after a timeout, network error, 5xx or 429. Default 5. */
  maxRetries?: number & tags.Type<'uint32'> & tags.Maximum<20>;
  /** First backoff in ms, doubled each retry (429 uses `Retry-After`). Default 1000. */
  retryBaseMs?: number & tags.Type<'uint32'> & tags.Minimum<10>;
}

/** Validate raw options (from warpd's configuration) against {@link SlackOptions}. */
export const validateSlackOptions: (input: unknown) => typia.IValidation<SlackOptions> =
  typia.createValidateEquals<SlackOptions>();
