import { describe, expect, it } from 'vitest';
import { validatePlugin } from './validate-plugin';

const ok = { name: 'demo', apiVersion: 1, hooks: { onEvent: () => undefined } };

function codeOf(candidate: unknown): string | undefined {
  try {
    validatePlugin(candidate);
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

describe('validatePlugin', () => {
  it('returns a valid plugin unchanged', () => {
    expect(validatePlugin(ok)).toBe(ok);
  });

  it('rejects an unknown hook with a coded error naming plugin and hook', () => {
    expect(() => validatePlugin({ ...ok, hooks: { afterConn: () => undefined } })).toThrow(
      /plugin "demo" implements unknown hook "afterConn"/,
    );
    expect(codeOf({ ...ok, hooks: { afterConn: () => undefined } })).toBe(
      'WARP_ERR_HOOKS_UNKNOWN_HOOK',
    );
  });

  it('rejects a handler that is not a function', () => {
    expect(codeOf({ ...ok, hooks: { beforeMail: 'allow' } })).toBe(
      'WARP_ERR_HOOKS_INVALID_HANDLER',
    );
  });

  it('rejects another apiVersion', () => {
    expect(codeOf({ ...ok, apiVersion: 2 })).toBe('WARP_ERR_HOOKS_API_VERSION');
    expect(codeOf({ ...ok, apiVersion: undefined })).toBe('WARP_ERR_HOOKS_API_VERSION');
  });

  it('rejects malformed plugins', () => {
    for (const candidate of [
      null,
      [],
      'plugin',
      { ...ok, name: '' },
      { ...ok, name: 'has space' },
      { ...ok, onEvent: () => undefined },
      { ...ok, init: 'yes' },
      { ...ok, events: ['session.opened', 'session.exploded'] },
      { ...ok, events: 'session.opened' },
      { ...ok, hooks: null },
    ]) {
      expect(codeOf(candidate)).toBe('WARP_ERR_HOOKS_INVALID_PLUGIN');
    }
  });
});
