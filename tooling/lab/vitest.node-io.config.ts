import { warpProject } from '../vitest/project.ts';

// Every lab suite again, with warpd on Node's own sockets ("io": "node");
// project lab runs warpd's default, @warp/native-io.
export default warpProject(import.meta.url, {
  name: 'lab-node-io',
  testTimeout: 300_000,
  env: { WARP_LAB_IO: 'node' },
});
