import { setTimeout as sleep } from 'node:timers/promises';
import { WarpError } from '@warp/hooks';
import { Agent, request } from 'undici';

/** Where messages go: an incoming webhook, or `chat.postMessage` with a bot token. */
export type SlackTarget =
  | { readonly kind: 'webhook'; readonly url: string }
  | {
      readonly kind: 'api';
      readonly apiUrl: string;
      readonly token: string;
      readonly channel: string;
    };

/** Settings of a {@link SlackPoster}. */
export interface SlackPosterOptions {
  readonly target: SlackTarget;
  readonly timeoutMs: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
}

const MAX_RETRY_AFTER_MS = 120_000;

/** Where a request goes, without the secret part (webhook path, token). */
export function describeTarget(target: SlackTarget): string {
  if (target.kind === 'api') return `${target.apiUrl.replace(/\/$/, '')}/chat.postMessage`;
  try {
    return `${new URL(target.url).origin}/services/…`;
  } catch {
    return 'the webhook URL';
  }
}

/** `Retry-After` in ms: delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function retryAfterMs(
  header: string | string[] | undefined,
  now = Date.now(),
): number | null {
  const value = Array.isArray(header) ? header[0] : header;
  if (value === undefined) return null;
  const ms = /^\d+$/.test(value.trim()) ? Number(value.trim()) * 1000 : Date.parse(value) - now;
  return Number.isFinite(ms) ? Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS) : null;
}

type Attempt = { done: true } | { done: false; waitMs: number | null; problem: string };

/**
 * Posts messages to Slack with undici: retries timeouts, network errors, 5xx
 * and 429 (waiting `Retry-After`), with exponential backoff otherwise. Errors
 * name the target without its secret (`describeTarget`); the token is only
 * ever sent in the `Authorization` header.
 */
export class SlackPoster {
  readonly #options: SlackPosterOptions;
  readonly #agent = new Agent({ keepAliveTimeout: 30_000, connections: 2 });

  constructor(options: SlackPosterOptions) {
    this.#options = options;
  }

  /** Post `text`; throws `WARP_ERR_SLACK_REQUEST` or `WARP_ERR_SLACK_API` when it finally fails. */
  async post(text: string): Promise<void> {
    const { maxRetries, retryBaseMs } = this.#options;
    let problem = '';
    for (let attempt = 0; attempt <= maxRetries; attempt++) {
      const result = await this.#attempt(text);
      if (result.done) return;
      problem = result.problem;
      if (attempt === maxRetries) break;
      const backoff = retryBaseMs * 2 ** attempt * (0.75 + Math.random() / 2);
      await sleep(result.waitMs ?? backoff);
    }
    throw this.#error('WARP_ERR_SLACK_REQUEST', `${problem} (after ${maxRetries} retries)`);
  }

  /** Close the connection pool. */
  async close(): Promise<void> {
    await this.#agent.close();
  }

  async #attempt(text: string): Promise<Attempt> {
    const { target, timeoutMs } = this.#options;
    const url =
      target.kind === 'webhook'
        ? target.url
        : `${target.apiUrl.replace(/\/$/, '')}/chat.postMessage`;
    const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8' };
    if (target.kind === 'api') headers.authorization = `Bearer ${target.token}`;
    const body = JSON.stringify(
      target.kind === 'api' ? { channel: target.channel, text } : { text },
    );
    let response: Awaited<ReturnType<typeof request>>;
    let answer: string;
    try {
      response = await request(url, {
        method: 'POST',
        headers,
        body,
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(timeoutMs),
      });
      answer = await response.body.text();
    } catch (error) {
      const name =
        (error as Error).name === 'TimeoutError'
          ? `no answer within ${timeoutMs} ms`
          : ((error as { code?: string }).code ?? (error as Error).name);
      return { done: false, waitMs: null, problem: `request failed: ${name}` };
    }
    const status = response.statusCode;
    if (status === 429) {
      return {
        done: false,
        waitMs: retryAfterMs(response.headers['retry-after']),
        problem: 'rate limited (429)',
      };
    }
    if (status >= 500) return { done: false, waitMs: null, problem: `HTTP ${status}` };
    if (status < 200 || status >= 300) {
      throw this.#error('WARP_ERR_SLACK_REQUEST', `HTTP ${status} ${answer.slice(0, 100)}`);
    }
    if (target.kind === 'api') {
      const parsed = safeJson(answer);
      if (parsed?.ok !== true) {
        throw this.#error(
          'WARP_ERR_SLACK_API',
          `Slack answered ok:false (${String(parsed?.error ?? 'unreadable answer')})`,
        );
      }
    }
    return { done: true };
  }

  #error(code: string, detail: string): WarpError {
    const fix =
      code === 'WARP_ERR_SLACK_API'
        ? 'check the token, its scopes (chat:write) and that the bot is in the channel'
        : 'check the URL and Slack status; messages of this digest are lost';
    return new WarpError(
      code,
      `[warp] [plugin-slack] posting to ${describeTarget(this.#options.target)} failed: ${detail}: ${fix}`,
    );
  }
}

function safeJson(text: string): { ok?: unknown; error?: unknown } | null {
  try {
    return JSON.parse(text) as { ok?: unknown; error?: unknown };
  } catch {
    return null;
  }
}
