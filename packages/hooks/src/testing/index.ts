export type { ConformanceOptions } from './conformance-suite';
export { runConformanceSuite } from './conformance-suite';
export {
  sampleDeciderContexts,
  sampleEvents,
  sampleSession,
  sessionClosed,
  sessionOpened,
  transactionCompleted,
} from './sample-events';
