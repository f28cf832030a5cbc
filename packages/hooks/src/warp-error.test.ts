import { describe, expect, it } from 'vitest';
import { isWarpError, WarpError } from './warp-error';

describe('WarpError', () => {
  it('carries code, cause and reply', () => {
    const cause = new Error('low level');
    const reply = { code: 451, enhanced: '4.7.5', text: 'try later' };
    const error = new WarpError('WARP_ERR_HOOKS_INIT_FAILED', '[warp] [x] failed', {
      cause,
      reply,
    });
    expect(error.code).toBe('WARP_ERR_HOOKS_INIT_FAILED');
    expect(error.cause).toBe(cause);
    expect(error.reply).toEqual(reply);
    expect(error).toBeInstanceOf(Error);
  });

  it('is recognised by marker, also from another copy of the class', () => {
    const foreign = Object.assign(new Error('x'), {
      code: 'WARP_ERR_HOOKS_LOAD_FAILED',
      [Symbol.for('warp.error')]: true,
    });
    expect(isWarpError(foreign)).toBe(true);
    expect(WarpError.isInstance(new WarpError('WARP_ERR_HOOKS_LOAD_FAILED', 'm'))).toBe(true);
    expect(isWarpError(new Error('plain'))).toBe(false);
    expect(isWarpError({ code: 'WARP_ERR_HOOKS_LOAD_FAILED' })).toBe(false);
    expect(isWarpError(null)).toBe(false);
  });
});
