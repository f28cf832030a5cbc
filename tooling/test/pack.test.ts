import { execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, workspacePackages } from './packages.ts';

const publishable = workspacePackages().filter((pkg) => !pkg.manifest.private);
const scratch = mkdtempSync(join(tmpdir(), 'warp-pack-'));
const modules = join(scratch, 'node_modules');

// Packs every publishable package as npm would publish it, installs the
// tarballs side by side in a scratch folder and imports each entry point, so a
// broken exports map or a missing dist fails here and not for a user.
function run(command: string, args: string[], cwd: string): string {
  try {
    return execFileSync(command, args, { cwd, encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(
      `${command} ${args.join(' ')} failed in ${cwd}:\n${`${stdout}${stderr}`.slice(-4000)}`,
    );
  }
}

beforeAll(() => {
  run('pnpm', ['build'], repoRoot);
  for (const pkg of publishable) {
    const tarball = run('pnpm', ['pack', '--pack-destination', scratch], pkg.dir)
      .trim()
      .split('\n')
      .pop()!;
    const target = join(modules, pkg.manifest.name);
    mkdirSync(target, { recursive: true });
    run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1'], scratch);
  }
  // Third-party dependencies come from the workspace install (no registry here).
  for (const pkg of publishable) {
    const { dependencies = {}, peerDependencies = {} } = pkg.manifest;
    for (const dep of Object.keys({ ...dependencies, ...peerDependencies })) {
      const link = join(modules, dep);
      if (dep.startsWith('@warp/') || existsSync(link)) continue;
      const installed = [
        join(pkg.dir, 'node_modules', dep),
        join(repoRoot, 'node_modules', dep),
      ].find(existsSync);
      if (!installed) throw new Error(`${pkg.manifest.name}: dependency ${dep} is not installed`);
      mkdirSync(dirname(link), { recursive: true });
      symlinkSync(realpathSync(installed), link);
    }
  }
}, 900_000); // a cold build of every package takes minutes on 2 busy cores

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('published packages', () => {
  it('exist', () => {
    expect(publishable.length).toBeGreaterThan(0);
  });

  it('runs a plugin in a worker thread from the packed @warp/hooks (its worker entry is packed)', () => {
    const fixture = join(repoRoot, 'packages/hooks/src/__fixtures__/worker-recorder.mjs');
    const log = join(scratch, 'worker-events.log');
    const script = `
      import { loadPlugin } from '@warp/hooks';
      const plugin = await loadPlugin({ use: ${JSON.stringify(fixture)}, options: { path: ${JSON.stringify(log)} }, worker: true });
      await plugin.init({ nodeId: 'packed', report: () => {} });
      await plugin.close();`;
    run(process.execPath, ['--input-type=module', '-e', script], scratch);
    expect(readFileSync(log, 'utf8')).toBe('init packed thread=true\nclose\n');
  });

  it('lets a process that loaded a worker plugin and left it idle exit (warpd check-config)', () => {
    const fixture = join(repoRoot, 'packages/hooks/src/__fixtures__/worker-recorder.mjs');
    const log = join(scratch, 'worker-idle.log');
    const script = `
      import { loadPlugin } from '@warp/hooks';
      await loadPlugin({ use: ${JSON.stringify(fixture)}, options: { path: ${JSON.stringify(log)} }, worker: true });
      console.log('loaded');`;
    // A worker that held the process would hang until the timeout kills it (and throws).
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: scratch,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(out).toBe('loaded\n');
  });

  for (const pkg of publishable) {
    describe(pkg.manifest.name, () => {
      it('declares what npm needs: exports (types first), files, sideEffects, license, public access', () => {
        const { manifest } = pkg;
        expect(manifest.license).toBeTruthy();
        expect(manifest.sideEffects).toBe(false);
        expect(manifest.files).toContain('dist');
        expect(manifest.publishConfig?.access).toBe('public');
        const published = manifest.publishConfig?.exports ?? manifest.exports ?? {};
        for (const [entry, conditions] of Object.entries(published)) {
          expect(Object.keys(conditions)[0], `${entry}: types must come first`).toBe('types');
        }
        expect(existsSync(join(pkg.dir, 'README.md'))).toBe(true);
      });

      it('packs without workspace: ranges or source-only export conditions', () => {
        const packed = JSON.parse(
          readFileSync(join(modules, pkg.manifest.name, 'package.json'), 'utf8'),
        );
        expect(JSON.stringify(packed.dependencies ?? {})).not.toContain('workspace:');
        expect(JSON.stringify(packed.exports)).not.toContain('"source"');
      });

      it('imports from the packed tarball', () => {
        const entries = Object.keys(pkg.manifest.publishConfig?.exports ?? { '.': {} });
        for (const entry of entries) {
          const specifier =
            entry === '.' ? pkg.manifest.name : `${pkg.manifest.name}/${entry.slice(2)}`;
          const script = `const m = await import('${specifier}'); console.log(Object.keys(m).length)`;
          const keys = run(process.execPath, ['--input-type=module', '-e', script], scratch);
          expect(Number(keys.trim()), `${specifier} exports nothing`).toBeGreaterThan(0);
        }
      });
    });
  }
});
