export type {
  AmbiguousEnding,
  AmbiguousEndingEvent,
  BdatDataEvent,
  BdatEndEvent,
  BytesDiscardedEvent,
  ClientEvent,
  CommandEvent,
  DataEndEvent,
  DataEvent,
  LineTooLongEvent,
} from './client-event';
export type {
  BdatArgument,
  Command,
  CommandIssue,
  EnvelopeArgument,
  EsmtpParameter,
  LineEnding,
  OriginalRecipient,
} from './command';
export type { CommandParserMode, CommandParserOptions } from './command-parser';
export { CommandParser } from './command-parser';
export { formatEnhancedStatus, parseEnhancedStatus } from './enhanced-status';
export type { EhloExtension, EhloReply } from './parse-ehlo-reply';
export { parseEhloReply } from './parse-ehlo-reply';
export type { Exchange, PipelineQueueOptions } from './pipeline-queue';
export { PipelineQueue } from './pipeline-queue';
export type { EnhancedStatus, Reply, ReplyIssue, ReplyLine } from './reply';
export type {
  MalformedReplyLineEvent,
  ReplyEvent,
  ReplyLineTooLongEvent,
  ServerEvent,
} from './reply-event';
export type { ReplyParserOptions } from './reply-parser';
export { ReplyParser } from './reply-parser';
export type { CommandInput, EnvelopeInput } from './serialize-command';
export {
  formatEnvelope,
  serializeCommand,
  serializeMailFrom,
  serializeRcptTo,
} from './serialize-command';
export type { ReplyInput } from './serialize-reply';
export { serializeReply } from './serialize-reply';
export type { SmtpParserErrorCode } from './smtp-parser-error';
export { SmtpParserError } from './smtp-parser-error';
export { decodeXtext, encodeXtext } from './xtext';
