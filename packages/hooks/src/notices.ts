import { channel } from 'node:diagnostics_channel';
import type {
  EventsDroppedEvent,
  HookName,
  NoticeEvent,
  PluginFailedEvent,
  PluginSlowEvent,
} from './events';
import { isWarpError } from './warp-error';

/**
 * diagnostics_channel names the bus publishes every notice to, so warpd can
 * log them (with the plugin's name) even when no plugin observes notices.
 */
export const NOTICE_CHANNELS = {
  'plugin.slow': channel('warp:hooks:plugin-slow'),
  'plugin.failed': channel('warp:hooks:plugin-failed'),
  'events.dropped': channel('warp:hooks:events-dropped'),
} as const;

/** Publish a notice on its diagnostics channel. */
export function publishNotice(notice: NoticeEvent): void {
  const target = NOTICE_CHANNELS[notice.type];
  if (target.hasSubscribers) target.publish(notice);
}

function instant(nodeId: string) {
  return { nodeId, at: new Date().toISOString(), monotonicMs: performance.now() };
}

/** Turn anything thrown into the plain `{ name, code, message }` of a notice. */
export function plainError(error: unknown): PluginFailedEvent['error'] {
  if (error instanceof Error || isWarpError(error)) {
    const code = (error as { code?: unknown }).code;
    return {
      name: error.name,
      code: typeof code === 'string' ? code : null,
      message: error.message,
    };
  }
  return { name: 'NonError', code: null, message: String(error) };
}

/** Build a `plugin.failed` notice. */
export function pluginFailed(
  nodeId: string,
  plugin: string,
  hook: HookName | 'report',
  error: unknown,
  sessionId: string | null = null,
): PluginFailedEvent {
  return {
    type: 'plugin.failed',
    ...instant(nodeId),
    plugin,
    hook,
    error: plainError(error),
    sessionId,
  };
}

/** Build a `plugin.slow` notice. */
export function pluginSlow(
  nodeId: string,
  plugin: string,
  hook: HookName,
  deadlineMs: number,
  fallback: string,
  sessionId: string | null = null,
): PluginSlowEvent {
  return { type: 'plugin.slow', ...instant(nodeId), plugin, hook, deadlineMs, sessionId, fallback };
}

/** Build an `events.dropped` notice. */
export function eventsDropped(
  nodeId: string,
  plugin: string,
  count: number,
  total: number,
): EventsDroppedEvent {
  return { type: 'events.dropped', ...instant(nodeId), plugin, count, total };
}
