import type { DeciderCall, EgressContext, RelayContext, Verdict } from '../deciders';
import type { NoticeEvent, Reply, WarpEvent } from '../events';
import type { DeciderDeadlines, RelayResult, VerdictResult } from '../hook-bus-types';
import { spoolMessage } from '../message-spool';
import type { Plugin } from '../plugin';
import { WarpError } from '../warp-error';
import { withDeadline } from './deadline';
import { pluginFailed, pluginSlow } from './notices';

/** How the bus announces a notice (`cause`: the event being handled, if any). */
export type Notify = (notice: NoticeEvent, cause?: WarpEvent) => void;

interface Entry {
  readonly plugin: Plugin;
}

type DeciderName = keyof DeciderDeadlines;

const FALLBACK: Record<DeciderName, string> = {
  selectEgress: 'the relay default egress',
  beforeMail: 'allowed',
  beforeRcpt: 'allowed',
  beforeRelay: 'relayed unchanged',
};

/**
 * Call one decider under its deadline; on failure, timeout or an invalid
 * answer, announce it and return `undefined` (the caller then uses the default).
 */
async function decide<T>(
  hook: DeciderName,
  plugin: Plugin,
  sessionId: string,
  deadlines: DeciderDeadlines,
  notify: Notify,
  nodeId: string,
  call: (call: DeciderCall) => unknown,
  check: (answer: unknown) => T | undefined,
): Promise<T | undefined> {
  const deadlineMs = deadlines[hook];
  const result = await withDeadline(call, deadlineMs);
  if (result.status === 'timed-out') {
    notify(pluginSlow(nodeId, plugin.name, hook, deadlineMs, FALLBACK[hook], sessionId));
    return undefined;
  }
  if (result.status === 'failed') {
    notify(pluginFailed(nodeId, plugin.name, hook, result.error, sessionId));
    return undefined;
  }
  const answer = check(result.value);
  if (answer === undefined && result.value !== undefined) {
    notify(
      pluginFailed(nodeId, plugin.name, hook, invalidAnswer(plugin, hook, result.value), sessionId),
    );
  }
  return answer;
}

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

/** The decider logic of the bus: plugin order, defaults, first answer wins. */
export const runDeciders = {
  async selectEgress(
    entries: readonly Entry[],
    context: EgressContext,
    deadlines: DeciderDeadlines,
    notify: Notify,
    nodeId: string,
  ): Promise<string | undefined> {
    for (const { plugin } of entries) {
      const hook = plugin.hooks.selectEgress;
      if (!hook) continue;
      const choice = await decide(
        'selectEgress',
        plugin,
        context.sessionId,
        deadlines,
        notify,
        nodeId,
        (call) => hook(context, call),
        (answer) => {
          const address = (answer as { address?: unknown } | undefined)?.address;
          return typeof address === 'string' && context.pool.includes(address)
            ? address
            : undefined;
        },
      );
      if (choice !== undefined) return choice;
    }
    return undefined;
  },

  async verdict<C extends { sessionId: string }>(
    hookName: 'beforeMail' | 'beforeRcpt',
    entries: readonly Entry[],
    context: C,
    deadlines: DeciderDeadlines,
    notify: Notify,
    nodeId: string,
  ): Promise<VerdictResult> {
    for (const { plugin } of entries) {
      const hook = plugin.hooks[hookName] as ((c: C, call: DeciderCall) => unknown) | undefined;
      if (!hook) continue;
      const verdict = await decide(
        hookName,
        plugin,
        context.sessionId,
        deadlines,
        notify,
        nodeId,
        (call) => hook(context, call),
        checkVerdict,
      );
      if (verdict?.action === 'reply') return { ...verdict, plugin: plugin.name };
    }
    return { action: 'allow' };
  },

  async beforeRelay(
    entries: readonly Entry[],
    context: RelayContext,
    deadlines: DeciderDeadlines,
    notify: Notify,
    nodeId: string,
    spoolMemoryLimit?: number,
  ): Promise<RelayResult> {
    let message = context.message;
    const replacedBy: string[] = [];
    for (const { plugin } of entries) {
      const hook = plugin.hooks.beforeRelay;
      if (!hook) continue;
      const input = { ...context, message };
      // Reading a replacement stream counts against the plugin's deadline.
      const verdict = await decide(
        'beforeRelay',
        plugin,
        context.sessionId,
        deadlines,
        notify,
        nodeId,
        async (call) => {
          const raw = await hook(input, call);
          const answer = checkRelayVerdict(raw);
          if (answer === undefined && raw !== undefined)
            throw invalidAnswer(plugin, 'beforeRelay', raw);
          if (answer?.action !== 'replace') return answer;
          const spooled = await spoolMessage(answer.content, { memoryLimit: spoolMemoryLimit });
          if (call.signal.aborted) await spooled.dispose();
          return { action: 'replace', spooled };
        },
        (answer) =>
          answer as
            | { action: 'relay' }
            | { action: 'reject'; reply: Reply }
            | { action: 'replace'; spooled: Awaited<ReturnType<typeof spoolMessage>> }
            | undefined,
      );
      if (verdict?.action === 'reject') {
        if (replacedBy.length > 0) await (message as { dispose?: () => Promise<void> }).dispose?.();
        return { action: 'reject', reply: verdict.reply, plugin: plugin.name };
      }
      if (verdict?.action === 'replace') {
        if (replacedBy.length > 0) await (message as { dispose?: () => Promise<void> }).dispose?.();
        message = verdict.spooled;
        replacedBy.push(plugin.name);
      }
    }
    return { action: 'relay', message, replacedBy };
  },
};
