import type {
  EgressContext,
  MailContext,
  MessageContent,
  RcptContext,
  RelayContext,
  Verdict,
} from './deciders';
import type { EventSink, Reply, SessionEvent } from './events';
import type { Plugin, PluginHooks } from './plugin';

/** Deadlines of the decider hooks, in milliseconds. */
export interface DeciderDeadlines {
  /** Default 100. */
  readonly selectEgress: number;
  /** Default 250. */
  readonly beforeMail: number;
  /** Default 250. */
  readonly beforeRcpt: number;
  /** Default 5000 (it may read a large message). */
  readonly beforeRelay: number;
}

/** Options of `createHookBus`. */
export interface HookBusOptions {
  /** The warp node id, put in the notices the bus emits. */
  readonly nodeId: string;
  /** Plugins in configuration order (deciders run in this order). */
  readonly plugins: readonly Plugin[];
  /** Events waiting per plugin before new ones are dropped and counted. Default 4096. */
  readonly queueCapacity?: number;
  /** Events per `onEvents` batch. Default 64. */
  readonly batchSize?: number;
  /** An observer batch running longer than this gets a `plugin.slow` notice. Default 5000. */
  readonly observerSlowMs?: number;
  /** Decider deadlines; missing ones take the defaults. */
  readonly deadlines?: Partial<DeciderDeadlines>;
  /** Time allowed to each plugin's `init`, `close`, and to draining its queue at close. Default 10000. */
  readonly lifecycleTimeoutMs?: number;
  /** Memory threshold for `beforeRelay` replacement content before it spools to a file. Default 1 MiB. */
  readonly spoolMemoryLimit?: number;
}

/** Counters of one plugin's queue. */
export interface PluginStats {
  /** Events waiting now. */
  readonly queued: number;
  /** Events handed to the plugin. */
  readonly delivered: number;
  /** Events dropped because the queue was full. */
  readonly dropped: number;
  /** Hook calls that threw or rejected. */
  readonly failures: number;
}

/** A `beforeMail`/`beforeRcpt` result: the verdict, and which plugin gave a reply. */
export type VerdictResult = Verdict & { readonly plugin?: string };

/** A `beforeRelay` result. */
export type RelayResult =
  | {
      readonly action: 'relay';
      /** The content to send: the original, or the last replacement. */
      readonly message: MessageContent;
      /** Plugins that replaced the content, in order. */
      readonly replacedBy: readonly string[];
      /** Release a replacement (its temporary file); the original is the caller's. Call once relayed. */
      dispose(): Promise<void>;
    }
  | { readonly action: 'reject'; readonly reply: Reply; readonly plugin: string };

/** The hook bus: an {@link EventSink} for the relay plus the decider calls. */
export interface HookBus extends EventSink {
  /** Plugin names in order. */
  readonly plugins: readonly string[];
  /** The session event types some observer takes (its `events` filter, or all). */
  readonly types: ReadonlySet<SessionEvent['type']>;
  /** Call every plugin's `init` in order; throws `WARP_ERR_HOOKS_INIT_FAILED` naming the plugin. */
  init(): Promise<void>;
  /** Whether any plugin implements `hook` (the relay skips spooling without `beforeRelay`). */
  has(hook: keyof PluginHooks): boolean;
  /** The egress address chosen by the first plugin that answers, or `undefined`. */
  selectEgress(context: EgressContext): Promise<string | undefined>;
  /** `allow`, or the first `reply` verdict in plugin order. */
  beforeMail(context: MailContext): Promise<VerdictResult>;
  /** `allow`, or the first `reply` verdict in plugin order. */
  beforeRcpt(context: RcptContext): Promise<VerdictResult>;
  /** Relay (possibly replaced content) or reject. Dispose replaced content with `dispose` when done. */
  beforeRelay(context: RelayContext): Promise<RelayResult>;
  /** Queue counters per plugin name. */
  stats(): Record<string, PluginStats>;
  /** Deliver everything queued, then close every plugin. Never rejects. */
  close(): Promise<void>;
}
