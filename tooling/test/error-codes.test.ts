import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, workspacePackages } from './packages.ts';

const CODE = /['"`](WARP_ERR_[A-Z0-9_]*[A-Z0-9])['"`]/g; // a prefix such as 'WARP_ERR_SMTP_' is not a code

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === '__fixtures__' ? [] : sourceFiles(path);
    return /\.(ts|mts|cc|cpp|h)$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

function codesInSource(): Map<string, string> {
  const found = new Map<string, string>();
  for (const pkg of workspacePackages()) {
    const srcDirs = ['src', 'native']
      .map((d) => join(pkg.dir, d))
      .filter((d) => {
        try {
          return statSync(d).isDirectory();
        } catch {
          return false;
        }
      });
    for (const file of srcDirs.flatMap(sourceFiles)) {
      for (const match of readFileSync(file, 'utf8').matchAll(CODE)) found.set(match[1]!, file);
    }
  }
  return found;
}

function codesInDocs(): Set<string> {
  const table = readFileSync(join(repoRoot, 'docs/errors.md'), 'utf8');
  return new Set([...table.matchAll(/^\| `?(WARP_ERR_[A-Z0-9_]+)`? \|/gm)].map((m) => m[1]!));
}

describe('docs/errors.md', () => {
  it('lists every error code the source uses', () => {
    const documented = codesInDocs();
    const missing = [...codesInSource()].filter(([code]) => !documented.has(code));
    expect(missing.map(([code, file]) => `${code} (${file})`)).toEqual([]);
  });

  it('lists no code that the source does not use', () => {
    const used = codesInSource();
    expect([...codesInDocs()].filter((code) => !used.has(code))).toEqual([]);
  });
});
