import { warpProject } from '../../tooling/vitest/project.ts';

export default warpProject(import.meta.url, { name: 'native-io' });
