import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, workspacePackages } from './packages.ts';

const dir = join(repoRoot, '.changeset');
const changesets = readdirSync(dir).filter((name) => name.endsWith('.md') && name !== 'README.md');

// A formatter once turned a front matter into a markdown heading; changesets
// then silently drops the release. Each file must name real packages.
describe('changesets', () => {
  const names = new Set(workspacePackages().map((pkg) => pkg.manifest.name));

  it.each(changesets)('%s has front matter naming workspace packages and a bump', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    const match = /^---\n([\s\S]*?)\n---\n\n\S/.exec(text);
    expect(match, `${file}: no front matter followed by a summary`).not.toBeNull();
    const lines = (match?.[1] ?? '').split('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const entry = /^["']([^"']+)["']: (major|minor|patch)$/.exec(line);
      expect(entry, `${file}: "${line}" is not "<package>": major|minor|patch`).not.toBeNull();
      expect(names, `${file}: no workspace package ${entry?.[1]}`).toContain(entry?.[1]);
    }
  });
});
