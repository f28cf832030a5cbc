#!/usr/bin/env node
// Scaffolds a package: node tooling/new-package.mjs <dir> <@warp/name> "<description>" [--private]
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, name, description, flag] = process.argv.slice(2);
if (!dir || !name || !description) {
  console.error(
    'usage: node tooling/new-package.mjs <dir> <@warp/name> "<description>" [--private]',
  );
  process.exit(2);
}
if (existsSync(join(dir, 'package.json'))) {
  console.error(`${dir}/package.json exists already`);
  process.exit(2);
}
const isPrivate = flag === '--private';
const short = dir.split('/').pop();
const exportsDist = { types: './dist/index.d.ts', import: './dist/index.js' };
const pkg = {
  name,
  version: '0.0.0',
  description,
  license: 'MIT',
  type: 'module',
  sideEffects: false,
  ...(isPrivate ? { private: true } : {}),
  exports: { '.': { source: './src/index.ts', ...exportsDist } },
  files: ['dist'],
  engines: { node: '>=20.19' },
  scripts: {
    build: 'tsup',
    test: 'vitest run',
  },
  ...(isPrivate ? {} : { publishConfig: { access: 'public', exports: { '.': exportsDist } } }),
  dependencies: {},
  devDependencies: {},
};
mkdirSync(join(dir, 'src'), { recursive: true });
writeFileSync(join(dir, 'package.json'), `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  join(dir, 'tsup.config.ts'),
  `import { warpTsup } from '../../tooling/tsup/preset.ts';\n\nexport default warpTsup();\n`,
);
writeFileSync(
  join(dir, 'vitest.config.ts'),
  `import { warpProject } from '../../tooling/vitest/project.ts';\n\nexport default warpProject(import.meta.url, { name: '${short}' });\n`,
);
writeFileSync(join(dir, 'README.md'), `# ${name}\n\n${description}\n`);
console.log(`created ${dir}`);
