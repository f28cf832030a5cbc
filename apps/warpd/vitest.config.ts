import { warpProject } from '../../tooling/vitest/project.ts';

export default warpProject(import.meta.url, { name: 'warpd', typia: true });
