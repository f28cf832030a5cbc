import { warpProject } from '../../tooling/vitest/project.ts';

// Writer processes (tsx) and a real MariaDB: slow to start on a loaded 2-core machine.
export default warpProject(import.meta.url, { name: 'store-sql', testTimeout: 120_000 });
