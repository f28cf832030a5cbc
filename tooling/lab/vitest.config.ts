import { warpProject } from '../vitest/project.ts';

// The lab starts real Postfix instances and network namespaces: minutes, not seconds.
export default warpProject(import.meta.url, { name: 'lab', testTimeout: 300_000 });
