export {
  createTestDatabase,
  dropTestDatabase,
  mariadb,
  startMariadb,
  stopMariadb,
} from './mariadb';
export type { SessionScript } from './session-events';
export { sessionEvents } from './session-events';
