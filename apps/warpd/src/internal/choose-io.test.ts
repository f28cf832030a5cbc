import { NativeIoError, nativeIo } from '@warp/native-io';
import { describe, expect, it } from 'vitest';
import { chooseIo } from './choose-io';

const missing = () => {
  throw new NativeIoError(
    'WARP_ERR_NATIVE_IO_BINDING_LOAD_FAILED',
    'native addon native_io.node is not built',
  );
};

function recorder() {
  const warnings: unknown[][] = [];
  return { warnings, logger: { warn: (...args: unknown[]) => warnings.push(args) } };
}

describe('chooseIo', () => {
  it('takes native io by default when the addon loads', () => {
    const { logger, warnings } = recorder();
    expect(chooseIo('auto', logger as never)).toEqual({ name: 'native', use: nativeIo });
    expect(warnings).toEqual([]);
  });

  it('falls back to Node sockets with a warning when the addon is missing under auto', () => {
    const { logger, warnings } = recorder();
    expect(chooseIo('auto', logger as never, missing)).toEqual({ name: 'node', use: undefined });
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain('native_io.node is not built');
  });

  it('fails when native io was asked for and the addon is missing', () => {
    const { logger } = recorder();
    expect(() => chooseIo('native', logger as never, missing)).toThrow(/not built/);
  });

  it('does not load the addon for io node', () => {
    const { logger } = recorder();
    let asked = false;
    const result = chooseIo('node', logger as never, () => {
      asked = true;
    });
    expect(result).toEqual({ name: 'node', use: undefined });
    expect(asked).toBe(false);
  });

  it('does not hide an unexpected error as a fallback', () => {
    const { logger } = recorder();
    expect(() =>
      chooseIo('auto', logger as never, () => {
        throw new TypeError('boom');
      }),
    ).toThrow('boom');
  });
});
