export type { SessionScript } from './session-events';
export { sessionEvents } from './session-events';
