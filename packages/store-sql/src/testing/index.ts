export { createTestDatabase, dropTestDatabase, mariadb } from './mariadb';
export type { PrivateMariadb } from './private-mariadb';
export { createPrivateMariadb } from './private-mariadb';
export type { SessionScript } from './session-events';
export { sessionEvents } from './session-events';
