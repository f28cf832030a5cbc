export type { ConformanceOptions } from './conformance-suite';
export { runConformanceSuite } from './conformance-suite';
export {
  sampleEvents,
  sampleSession,
  sessionClosed,
  sessionOpened,
  transactionCompleted,
} from './sample-events';
