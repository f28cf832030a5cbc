import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** What the tests need to know of a workspace package. */
export interface WorkspacePackage {
  dir: string;
  manifest: {
    name: string;
    version: string;
    private?: boolean;
    license?: string;
    sideEffects?: boolean;
    files?: string[];
    exports?: Record<string, Record<string, string>>;
    publishConfig?: { access?: string; exports?: Record<string, Record<string, string>> };
    dependencies?: Record<string, string>;
    peerDependencies?: Record<string, string>;
  };
}

/** Every package under packages/ and apps/ that has a package.json. */
export function workspacePackages(): WorkspacePackage[] {
  return ['packages', 'apps'].flatMap((area) =>
    readdirSync(join(repoRoot, area))
      .map((name) => join(repoRoot, area, name))
      .filter((dir) => existsSync(join(dir, 'package.json')))
      .map((dir) => ({
        dir,
        manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
      })),
  );
}
