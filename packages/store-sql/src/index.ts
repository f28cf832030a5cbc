export type { BatchWriterOptions, BatchWriterStats } from './batch-writer';
export { BatchWriter } from './batch-writer';
export type { TimeInput } from './internal/time-range';
export { microsToIso, toMicros } from './internal/time-range';
export { bucketLatency, latencyBucket } from './latency-bucket';
export { migrateToLatest, STORE_MIGRATIONS } from './migrations';
export type {
  AddressMode,
  CapturedMessage,
  CaptureLevel,
  PrivacyFilter,
  PrivacyOptions,
} from './privacy';
export { createPrivacyFilter } from './privacy';
export type {
  ExchangeRecord,
  SessionRecord,
  StoreFilter,
  TransactionFilter,
  TransactionRecord,
} from './queries';
export { findExchanges, findSessions, findTransactions } from './queries';
export type { RetentionOptions, RetentionResult } from './retention';
export { purgeOlderThan } from './retention';
export type {
  ExchangesTable,
  GoWarpCommunicationsView,
  GoWarpConnectionsView,
  MessageCapturesTable,
  RecipientsTable,
  RollupDimension,
  RollupLatencyTable,
  RollupOutcomesTable,
  SessionsTable,
  StoreDatabase,
  TlsResultsTable,
  TransactionsTable,
  WarpBatchesTable,
} from './schema';
export type { SpooledBatch } from './spool';
export { Spool } from './spool';
export { createSqliteStore } from './sqlite-store';
export type { StoreConnector, StoreHandle, StorePluginOptions } from './store-plugin';
export { createStorePlugin, storeOf } from './store-plugin';
export type {
  CommandLatency,
  SummaryDimension,
  SummaryOptions,
  SummaryRow,
} from './summary';
export { providerSummary, summarize } from './summary';
