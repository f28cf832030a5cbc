import { warpProject } from './vitest/project.ts';

export default warpProject(import.meta.url, { name: 'tooling', testTimeout: 300_000 });
