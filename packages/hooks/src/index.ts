export type {
  BeforeMailHook,
  BeforeRcptHook,
  BeforeRelayHook,
  DeciderCall,
  EgressChoice,
  EgressContext,
  MailContext,
  MessageContent,
  RcptContext,
  RelayContext,
  RelayVerdict,
  SelectEgressHook,
  SessionContext,
  Verdict,
} from './deciders';
export type {
  ApiVersion,
  CapturedHeader,
  CapturedMessage,
  CertificateSummary,
  Endpoint,
  EventBase,
  EventOf,
  EventSink,
  EventsDroppedEvent,
  EventType,
  HookName,
  Instant,
  NoticeEvent,
  PluginFailedEvent,
  PluginSlowEvent,
  ReceivedReply,
  RecipientResult,
  Reply,
  ReplyReceivedEvent,
  ReplySource,
  SentCommand,
  SessionClosedEvent,
  SessionCloseReason,
  SessionEvent,
  SessionEventBase,
  SessionOpenedEvent,
  TlsFailedEvent,
  TlsUpgradedEvent,
  TransactionCompletedEvent,
  TransactionOutcome,
  WarpEvent,
} from './events';
export { API_VERSION, EVENT_TYPES } from './events';
export { createHookBus } from './hook-bus';
export type {
  DeciderDeadlines,
  HookBus,
  HookBusOptions,
  PluginStats,
  RelayResult,
  VerdictResult,
} from './hook-bus-types';
export type { LoadPluginOptions, PluginSpec } from './load-plugin';
export { loadPlugin, loadPlugins } from './load-plugin';
export type { MessageSpoolOptions, SpooledMessage } from './message-spool';
export { MessageSpool, memoryMessage, spoolMessage } from './message-spool';
export { NOTICE_CHANNELS } from './notices';
export type { Plugin, PluginContext, PluginFactory, PluginHooks } from './plugin';
export { DECIDER_HOOKS, definePlugin, HOOK_NAMES, OBSERVER_HOOKS } from './plugin';
export type { OptionsIssue, OptionsValidation } from './plugin-options';
export { checkOptions, PluginOptionsError } from './plugin-options';
export { validatePlugin } from './validate-plugin';
export type { WarpErrorOptions } from './warp-error';
export { isWarpError, WarpError } from './warp-error';
