import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadBinding, REBUILD_HINT } from './load-binding';

const scratch = mkdtempSync(join(tmpdir(), 'warp-odst-binding-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('loadBinding', () => {
  it('loads the addon built by pnpm install', () => {
    const binding = loadBinding();
    expect(typeof binding.originalDestination).toBe('function');
    expect(typeof binding.createTransparentListener).toBe('function');
  });

  it('throws an unsupported-platform error off Linux without touching the binary', () => {
    expect(() => loadBinding({ platform: 'darwin', candidates: [] })).toThrow(
      expect.objectContaining({
        code: 'WARP_ERR_ORIGINAL_DST_UNSUPPORTED_PLATFORM',
        message: expect.stringContaining('not on darwin'),
      }),
    );
  });

  it('names the missing binary and the rebuild command', () => {
    const missing = join(scratch, 'missing.node');
    expect(() => loadBinding({ platform: 'linux', candidates: [missing] })).toThrow(
      expect.objectContaining({
        code: 'WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED',
        message: expect.stringContaining(`looked in ${missing}`),
      }),
    );
    expect(REBUILD_HINT).toContain('pnpm --filter @warp/original-dst rebuild');
  });

  it('wraps a binary that does not load, with the rebuild command and the cause', () => {
    const broken = join(scratch, 'broken.node');
    writeFileSync(broken, 'not an ELF file');
    let thrown: unknown;
    try {
      loadBinding({ platform: 'linux', candidates: [broken] });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toMatchObject({
      code: 'WARP_ERR_ORIGINAL_DST_BINDING_LOAD_FAILED',
      message: expect.stringContaining(REBUILD_HINT),
      cause: expect.any(Error),
    });
  });
});
