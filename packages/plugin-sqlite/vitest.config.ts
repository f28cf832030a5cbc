import { warpProject } from '../../tooling/vitest/project.ts';

export default warpProject(import.meta.url, {
  name: 'plugin-sqlite',
  typia: true,
  testTimeout: 60_000,
});
