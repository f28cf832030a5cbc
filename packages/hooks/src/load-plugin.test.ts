import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlugin, loadPlugins } from './load-plugin';
import { checkOptions, PluginOptionsError } from './plugin-options';

let dir = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'warp-load-plugin-'));
  await writeFile(
    join(dir, 'echo.mjs'),
    `export default (options) => {
      if (typeof options.prefix !== 'string') {
        const error = new Error('[warp] [plugin-echo] invalid options:\\n  options.prefix: expected string, got 3');
        error.code = 'WARP_ERR_HOOKS_INVALID_OPTIONS';
        error[Symbol.for('warp.error')] = true;
        throw error;
      }
      return { name: 'echo-' + options.prefix, apiVersion: 1, hooks: { onEvent() {} } };
    };\n`,
  );
  await writeFile(join(dir, 'no-default.mjs'), 'export const plugin = {};\n');
  await writeFile(
    join(dir, 'old.mjs'),
    "export default () => ({ name: 'old', apiVersion: 0, hooks: {} });\n",
  );
  await writeFile(
    join(dir, 'crash.mjs'),
    "export default () => { throw new TypeError('bad'); };\n",
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadPlugin', () => {
  it('loads a plugin by path relative to the base directory, with its options', async () => {
    const plugin = await loadPlugin(
      { use: './echo.mjs', options: { prefix: 'a' } },
      { baseDir: dir },
    );
    expect(plugin.name).toBe('echo-a');
    const [abs] = await loadPlugins([{ use: join(dir, 'echo.mjs'), options: { prefix: 'b' } }]);
    expect(abs?.name).toBe('echo-b');
  });

  it('loads a package by name through the host importer', async () => {
    const asked: string[] = [];
    const plugin = await loadPlugin(
      { use: '@example/warp-plugin', options: {} },
      {
        importModule: async (specifier) => {
          asked.push(specifier);
          return { default: () => ({ name: 'pkg', apiVersion: 1, hooks: {} }) };
        },
      },
    );
    expect(asked).toEqual(['@example/warp-plugin']);
    expect(plugin.name).toBe('pkg');
  });

  it('passes the factory option error through with its path and reason', async () => {
    await expect(
      loadPlugin({ use: './echo.mjs', options: { prefix: 3 } }, { baseDir: dir }),
    ).rejects.toMatchObject({
      code: 'WARP_ERR_HOOKS_INVALID_OPTIONS',
      message: expect.stringContaining('options.prefix: expected string, got 3'),
    });
  });

  it('fails with coded errors naming the entry', async () => {
    const cases: [string, string][] = [
      ['./missing.mjs', 'WARP_ERR_HOOKS_LOAD_FAILED'],
      ['./no-default.mjs', 'WARP_ERR_HOOKS_LOAD_FAILED'],
      ['./crash.mjs', 'WARP_ERR_HOOKS_LOAD_FAILED'],
      ['./old.mjs', 'WARP_ERR_HOOKS_API_VERSION'],
    ];
    for (const [use, code] of cases) {
      const error = await loadPlugin({ use }, { baseDir: dir }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code });
      if (code === 'WARP_ERR_HOOKS_LOAD_FAILED')
        expect((error as Error).message).toContain(`"${use}"`);
    }
  });
});

describe('checkOptions', () => {
  it('returns the data of a successful validation', () => {
    expect(checkOptions('x', { success: true, data: { a: 1 } })).toEqual({ a: 1 });
  });

  it('throws every path with expected and found values', () => {
    const error = (() => {
      try {
        return checkOptions('file', {
          success: false,
          errors: [
            { path: '$input.rotate.maxBytes', expected: 'number', value: 'ten' },
            { path: '$input.path', expected: 'string', value: undefined },
          ],
        });
      } catch (e) {
        return e;
      }
    })() as PluginOptionsError;
    expect(PluginOptionsError.isInstance(error)).toBe(true);
    expect(error.code).toBe('WARP_ERR_HOOKS_INVALID_OPTIONS');
    expect(error.issues).toEqual([
      { path: 'options.rotate.maxBytes', expected: 'number', found: '"ten"' },
      { path: 'options.path', expected: 'string', found: 'undefined' },
    ]);
    expect(error.message).toBe(
      '[warp] [plugin-file] invalid options; fix them in the configuration:\n  options.rotate.maxBytes: expected number, got "ten"\n  options.path: expected string, got undefined',
    );
  });
});
