import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NativeIoError } from '../native-io-error';
import { errnoError, loadBinding, REBUILD_HINT } from './binding';

const scratch = mkdtempSync(join(tmpdir(), 'warp-native-io-binding-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** The error `run` throws (failing the test when it throws none). */
function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('loadBinding', () => {
  it('throws WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED naming the rebuild command when missing', () => {
    const missing = join(scratch, 'nowhere', 'native_io.node');
    const error = thrown(() => loadBinding([missing]));
    expect(error).toBeInstanceOf(NativeIoError);
    expect(NativeIoError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({
      name: 'NativeIoError',
      code: 'WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED',
    });
    const { message } = error as NativeIoError;
    expect(message).toMatch(/^\[warp\] \[native-io\] native addon native_io\.node is not built/);
    expect(message).toContain(missing);
    expect(message).toContain('pnpm --filter @warp/native-io rebuild');
    expect(message).toContain('npm rebuild @warp/native-io');
    expect(message).toContain(REBUILD_HINT);
  });

  it('names every folder it looked in', () => {
    const candidates = [join(scratch, 'Release', 'native_io.node'), join(scratch, 'Debug', 'x')];
    expect(() => loadBinding(candidates)).toThrow(`looked in ${candidates.join(', ')}`);
  });

  it('throws the same code, with the cause, for a file that is not an addon', () => {
    const broken = join(scratch, 'native_io.node');
    writeFileSync(broken, 'not a shared object');
    const error = thrown(() => loadBinding([broken])) as NativeIoError;
    expect(error.code).toBe('WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED');
    expect(error.message).toContain(`native addon ${broken} does not load`);
    expect(error.message).toContain('pnpm --filter @warp/native-io rebuild');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('throws the same code for a module without the functions of this version', () => {
    const other = join(scratch, 'other-version.cjs');
    writeFileSync(other, 'module.exports = { init() {}, open() {} };');
    const error = thrown(() => loadBinding([join(scratch, 'absent.node'), other])) as NativeIoError;
    expect(error.code).toBe('WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED');
    expect(error.message).toContain(`native addon ${other} is from another version`);
    expect(error.message).toContain('pnpm --filter @warp/native-io rebuild');
  });

  it('loads the built addon from this package by default', () => {
    const binding = loadBinding();
    for (const name of [
      'init',
      'open',
      'listen',
      'connect',
      'write',
      'detach',
      'fileno',
    ] as const) {
      expect(typeof binding[name]).toBe('function');
    }
    expect(binding.errorName(-111)).toBe('ECONNREFUSED');
  });
});

describe('errnoError', () => {
  const binding = loadBinding();

  it('shapes a libuv error as net.Socket would', () => {
    const error = errnoError(binding, -98, 'listen', '127.0.0.1', 2525);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('listen EADDRINUSE 127.0.0.1:2525');
    expect(error).toMatchObject({
      code: 'EADDRINUSE',
      errno: -98,
      syscall: 'listen',
      address: '127.0.0.1',
      port: 2525,
    });
  });

  it('leaves out the address when there is none', () => {
    const error = errnoError(binding, -104, 'read');
    expect(error.message).toBe('read ECONNRESET');
    expect(error).not.toHaveProperty('address');
    expect(error).not.toHaveProperty('port');
  });
});
