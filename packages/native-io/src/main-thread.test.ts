// A worker thread that loaded the addon first would take it from the main
// thread and abort the process when it exits with handles open, so native
// io refuses worker threads before it loads the addon. A worker here cannot
// load this package's TypeScript source, so the thread is what is stood in
// for; shared-addon.test.ts runs a real worker against the addon itself.
import { expect, it, vi } from 'vitest';

vi.mock('node:worker_threads', async (original) => ({
  ...(await original<typeof import('node:worker_threads')>()),
  isMainThread: false,
}));

it('refuses to load the addon off the main thread, with a code and what to do', async () => {
  const { NativeServer } = await import('./native-server');
  let thrown: unknown;
  try {
    new NativeServer(() => {});
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toMatchObject({ code: 'WARP_ERR_NATIVE_IO_NOT_MAIN_THREAD' });
  expect(String((thrown as Error).message)).toMatch(/main thread only.*io: node/);
});
