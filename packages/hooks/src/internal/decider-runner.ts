import type { DeciderCall, EgressContext, RelayContext, Verdict } from '../deciders';
import type { NoticeEvent, Reply, WarpEvent } from '../events';
import type { DeciderDeadlines, RelayResult, VerdictResult } from '../hook-bus-types';
import { spoolMessage } from '../message-spool';
import { pluginFailed, pluginSlow } from '../notices';
import type { Plugin } from '../plugin';
import { WarpError } from '../warp-error';
import { withDeadline } from './deadline';

/** How the bus announces a notice (`cause`: the event being handled, if any). */
export type Notify = (notice: NoticeEvent, cause?: WarpEvent) => void;

interface Entry {
  readonly plugin: Plugin;
}

/** What the runner needs from the bus. */
export interface DeciderRunnerOptions {
  readonly entries: readonly Entry[];
  readonly deadlines: DeciderDeadlines;
  readonly notify: Notify;
  readonly nodeId: string;
  readonly spoolMemoryLimit?: number;
}

type DeciderName = keyof DeciderDeadlines;

const FALLBACK: Record<DeciderName, string> = {
  selectEgress: 'the relay default egress',
  beforeMail: 'allowed',
  beforeRcpt: 'allowed',
  beforeRelay: 'relayed unchanged',
};

function invalidAnswer(plugin: Plugin, hook: DeciderName, value: unknown): WarpError {
  let shown: string;
  try {
    shown = JSON.stringify(value)?.slice(0, 200) ?? String(value);
  } catch {
    shown = typeof value;
  }
  return new WarpError(
    'WARP_ERR_HOOKS_INVALID_ANSWER',
    `[warp] [hooks] plugin "${plugin.name}" ${hook} returned an invalid answer (${shown}); the default was used: fix the plugin`,
  );
}

function isReply(value: unknown): value is Reply {
  if (typeof value !== 'object' || value === null) return false;
  const { code, enhanced, text } = value as Record<string, unknown>;
  return (
    typeof code === 'number' &&
    Number.isInteger(code) &&
    code >= 400 &&
    code <= 599 &&
    typeof text === 'string' &&
    !/[\r\n]/.test(text) &&
    (enhanced === undefined ||
      (typeof enhanced === 'string' && /^[45]\.\d{1,3}\.\d{1,3}$/.test(enhanced)))
  );
}

function checkVerdict(answer: unknown): Verdict | undefined {
  const verdict = answer as Verdict | undefined;
  if (verdict?.action === 'allow') return verdict;
  if (verdict?.action === 'reply' && isReply(verdict.reply)) return verdict;
  return undefined;
}

type RelayVerdictChecked =
  | { action: 'relay' }
  | { action: 'reject'; reply: Reply }
  | { action: 'replace'; content: Uint8Array | AsyncIterable<Uint8Array> };

function checkRelayVerdict(answer: unknown): RelayVerdictChecked | undefined {
  const verdict = answer as Record<string, unknown> | undefined;
  if (verdict?.action === 'relay') return { action: 'relay' };
  if (verdict?.action === 'reject' && isReply(verdict.reply))
    return { action: 'reject', reply: verdict.reply };
  const content = verdict?.content as { [Symbol.asyncIterator]?: unknown } | undefined;
  if (
    verdict?.action === 'replace' &&
    (content instanceof Uint8Array || typeof content?.[Symbol.asyncIterator] === 'function')
  ) {
    return { action: 'replace', content: content as Uint8Array | AsyncIterable<Uint8Array> };
  }
  return undefined;
}

type SpooledReplacement = { action: 'replace'; spooled: Awaited<ReturnType<typeof spoolMessage>> };
type RelayStep = { action: 'relay' } | { action: 'reject'; reply: Reply } | SpooledReplacement;

async function disposeOf(message: unknown): Promise<void> {
  await (message as { dispose?: () => Promise<void> }).dispose?.();
}

/** The decider logic of the bus: plugin order, deadlines, defaults, first answer wins. */
export class DeciderRunner {
  readonly #options: DeciderRunnerOptions;

  constructor(options: DeciderRunnerOptions) {
    this.#options = options;
  }

  /**
   * Call one decider under its deadline; on failure, timeout or an invalid
   * answer, announce it and return `undefined` (the caller uses the default).
   */
  async #decide<T>(
    hook: DeciderName,
    plugin: Plugin,
    sessionId: string,
    call: (call: DeciderCall) => unknown,
    check: (answer: unknown) => T | undefined,
  ): Promise<T | undefined> {
    const { deadlines, notify, nodeId } = this.#options;
    const deadlineMs = deadlines[hook];
    const result = await withDeadline(call, deadlineMs);
    if (result.status === 'timed-out') {
      notify(pluginSlow(nodeId, plugin.name, hook, deadlineMs, FALLBACK[hook], sessionId));
      return undefined;
    }
    const error =
      result.status === 'failed'
        ? result.error
        : check(result.value) === undefined && result.value !== undefined
          ? invalidAnswer(plugin, hook, result.value)
          : undefined;
    if (error !== undefined) {
      notify(pluginFailed(nodeId, plugin.name, hook, error, sessionId));
      return undefined;
    }
    return result.status === 'answered' ? check(result.value) : undefined;
  }

  /** Ask each plugin implementing `hook` in order; the first answer `isFinal` accepts wins. */
  async #first<C extends { sessionId: string }, T>(
    hook: 'selectEgress' | 'beforeMail' | 'beforeRcpt',
    context: C,
    check: (answer: unknown) => T | undefined,
    isFinal: (answer: T | undefined) => boolean,
  ): Promise<{ answer: T; plugin: string } | undefined> {
    for (const { plugin } of this.#options.entries) {
      const handler = plugin.hooks[hook] as ((c: C, call: DeciderCall) => unknown) | undefined;
      if (!handler) continue;
      const answer = await this.#decide(
        hook,
        plugin,
        context.sessionId,
        (call) => handler(context, call),
        check,
      );
      if (isFinal(answer)) return { answer: answer as T, plugin: plugin.name };
    }
    return undefined;
  }

  async selectEgress(context: EgressContext): Promise<string | undefined> {
    const inPool = (answer: unknown) => {
      const address = (answer as { address?: unknown } | undefined)?.address;
      return typeof address === 'string' && context.pool.includes(address) ? address : undefined;
    };
    const chosen = await this.#first('selectEgress', context, inPool, (a) => a !== undefined);
    return chosen?.answer;
  }

  async verdict<C extends { sessionId: string }>(
    hook: 'beforeMail' | 'beforeRcpt',
    context: C,
  ): Promise<VerdictResult> {
    const found = await this.#first(hook, context, checkVerdict, (v) => v?.action === 'reply');
    return found ? { ...found.answer, plugin: found.plugin } : { action: 'allow' };
  }

  async beforeRelay(context: RelayContext): Promise<RelayResult> {
    let message = context.message;
    const replacedBy: string[] = [];
    for (const { plugin } of this.#options.entries) {
      const hook = plugin.hooks.beforeRelay;
      if (!hook) continue;
      const input = { ...context, message };
      // Reading a replacement stream counts against the plugin's deadline.
      const step = await this.#decide(
        'beforeRelay',
        plugin,
        context.sessionId,
        async (call): Promise<RelayStep | undefined> => {
          const raw = await hook(input, call);
          const answer = checkRelayVerdict(raw);
          if (answer === undefined && raw !== undefined)
            throw invalidAnswer(plugin, 'beforeRelay', raw);
          if (answer?.action !== 'replace') return answer;
          const memoryLimit = this.#options.spoolMemoryLimit;
          const spooled = await spoolMessage(answer.content, { memoryLimit });
          if (call.signal.aborted) await spooled.dispose();
          return { action: 'replace', spooled };
        },
        (answer) => answer as RelayStep | undefined,
      );
      if (step?.action === 'reject') {
        if (replacedBy.length > 0) await disposeOf(message);
        return { action: 'reject', reply: step.reply, plugin: plugin.name };
      }
      if (step?.action === 'replace') {
        if (replacedBy.length > 0) await disposeOf(message);
        message = step.spooled;
        replacedBy.push(plugin.name);
      }
    }
    const replacement = replacedBy.length > 0 ? message : null;
    return { action: 'relay', message, replacedBy, dispose: () => disposeOf(replacement ?? {}) };
  }
}
