import { warpProject } from '../../tooling/vitest/project.ts';

// The whole relay suite again on @warp/native-io's sockets (see testIo()).
export default warpProject(import.meta.url, {
  name: 'relay-native',
  env: { WARP_RELAY_IO: 'native' },
});
