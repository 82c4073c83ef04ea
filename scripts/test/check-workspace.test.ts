import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkImports, findCycles, formatProblem, readImports } from '../workspace-rules.mjs';
import type { Problem } from '../workspace-rules.mjs';

const repoRoot = resolve(import.meta.dirname, '..', '..');
const roots: string[] = [];

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

interface Manifest {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  lighthouse?: Record<string, unknown>;
}

/** A throwaway workspace: packages/<dir> for each entry, with package.json and the given files. */
function workspace(
  packages: Record<string, { manifest?: Manifest; files?: Record<string, string> }>,
): string {
  const root = mkdtempSync(join(tmpdir(), 'lighthouse-check-workspace-'));
  roots.push(root);
  const write = (file: string, text: string) => {
    mkdirSync(dirname(join(root, file)), { recursive: true });
    writeFileSync(join(root, file), text);
  };
  write(
    'package.json',
    JSON.stringify({
      name: 'fixture',
      private: true,
      workspaces: ['packages/*'],
      devDependencies: { vitest: '^4.0.0' },
    }),
  );
  for (const [dir, { manifest = {}, files = {} }] of Object.entries(packages)) {
    const name = dir === 'example-plugin' ? dir : `@lighthouse/${dir}`;
    write(
      `packages/${dir}/package.json`,
      JSON.stringify({ name, type: 'module', ...manifest }, null, 2),
    );
    for (const [file, text] of Object.entries(files)) write(`packages/${dir}/${file}`, text);
  }
  return root;
}

const plugin = { apiVersion: 1, checks: { x: './dist/index.js' } };
const core = {
  manifest: { dependencies: { debug: '^4', typebox: '^1' } },
  files: {
    'src/index.ts': "export * from './engine.js';\nexport type { Options } from './options.js';\n",
    'src/engine.ts':
      "import createDebug from 'debug';\nimport { Value } from 'typebox/value';\nimport type { Options } from './options.js';\nexport const engine = (o: Options) => [createDebug, Value, o];\n",
    'src/options.ts':
      "import { readFile } from 'node:fs/promises';\nimport path from 'path';\nexport interface Options { read: typeof readFile; join: typeof path.join }\n",
    'test/engine.test.ts':
      "import { it } from 'vitest';\nimport { memory } from '@lighthouse/testing';\nimport { engine } from '@lighthouse/core';\nit('runs', () => { engine(memory); });\n",
  },
};
const clean = {
  core: {
    ...core,
    manifest: { ...core.manifest, devDependencies: { '@lighthouse/testing': '*' } },
  },
  testing: {
    manifest: { dependencies: { '@lighthouse/core': '*' }, peerDependencies: { vitest: '*' } },
    files: {
      'src/index.ts':
        "import { expect } from 'vitest';\nimport type { Options } from '@lighthouse/core';\nexport const memory = { expect } as unknown as Options;\n",
    },
  },
  'check-a': {
    manifest: {
      peerDependencies: { '@lighthouse/core': '*' },
      devDependencies: { '@lighthouse/testing': '*' },
      lighthouse: plugin,
    },
    files: {
      'src/index.ts':
        "import { engine } from '@lighthouse/core';\nexport const check = () => import('./lazy.js').then(() => engine);\n",
      'src/lazy.ts': "import './side-effect.js';\nexport {};\n",
      'src/side-effect.ts': 'export {};\n',
      'test/index.test.ts':
        "import { it } from 'vitest';\nimport { memory } from '@lighthouse/testing';\nimport { check } from '../src/index.js';\nit('checks', () => { check(); void memory; });\n",
    },
  },
  cli: {
    manifest: { dependencies: { '@lighthouse/core': '*', '@lighthouse/check-a': '*' } },
    files: {
      'src/main.ts':
        "import { engine } from '@lighthouse/core';\nimport { check } from '@lighthouse/check-a';\nexport const main = [engine, check];\n",
    },
  },
};

const summary = (problems: Problem[]) =>
  problems.map(({ rule, file, line, specifier }) => ({ rule, file, line, specifier }));

describe('checkImports', () => {
  it('finds nothing wrong in a clean workspace', () => {
    expect(checkImports(workspace(clean))).toEqual([]);
  });

  it('reports an undeclared import, subpaths and type-only imports included, at file and line', () => {
    const root = workspace({
      ...clean,
      core: {
        manifest: {
          dependencies: { chokidar: '^4' },
          devDependencies: { '@lighthouse/testing': '*' },
        },
        files: core.files,
      },
    });
    const problems = checkImports(root);
    expect(summary(problems)).toEqual([
      {
        rule: 'undeclared-dependency',
        file: 'packages/core/src/engine.ts',
        line: 1,
        specifier: 'debug',
      },
      {
        rule: 'undeclared-dependency',
        file: 'packages/core/src/engine.ts',
        line: 2,
        specifier: 'typebox/value',
      },
    ]);
    expect(formatProblem(problems[1]!)).toBe(
      "packages/core/src/engine.ts:2: undeclared-dependency: @lighthouse/core src/ imports 'typebox/value' but does not declare typebox in dependencies, peerDependencies or optionalDependencies",
    );

    const typeOnly = workspace({
      ...clean,
      'check-a': {
        ...clean['check-a'],
        files: {
          ...clean['check-a'].files,
          'src/types.ts': "import type { Schema } from 'zod';\nexport type S = Schema;\n",
        },
      },
    });
    expect(summary(checkImports(typeOnly))).toEqual([
      {
        rule: 'undeclared-dependency',
        file: 'packages/check-a/src/types.ts',
        line: 1,
        specifier: 'zod',
      },
    ]);
  });

  it('lets tests import devDependencies and root devDependencies, but not src', () => {
    const root = workspace({
      ...clean,
      core: { ...clean.core, manifest: core.manifest },
      testing: {
        ...clean.testing,
        files: {
          ...clean.testing.files,
          'src/leak.ts': "import fc from 'fast-check';\nexport { fc };\n",
        },
      },
    });
    expect(summary(checkImports(root))).toEqual([
      {
        rule: 'undeclared-dependency',
        file: 'packages/core/test/engine.test.ts',
        line: 2,
        specifier: '@lighthouse/testing',
      },
      {
        rule: 'undeclared-dependency',
        file: 'packages/testing/src/leak.ts',
        line: 1,
        specifier: 'fast-check',
      },
    ]);
    const devOnly = workspace({
      ...clean,
      'check-a': {
        ...clean['check-a'],
        files: {
          ...clean['check-a'].files,
          'src/dev.ts': "export { memory } from '@lighthouse/testing';\n",
        },
      },
    });
    expect(summary(checkImports(devOnly))).toContainEqual({
      rule: 'undeclared-dependency',
      file: 'packages/check-a/src/dev.ts',
      line: 1,
      specifier: '@lighthouse/testing',
    });
  });

  it('reports @lighthouse/core importing another @lighthouse package', () => {
    const root = workspace({
      ...clean,
      core: {
        ...clean.core,
        manifest: {
          ...clean.core.manifest,
          dependencies: { ...core.manifest.dependencies, '@lighthouse/x': '*' },
        },
        files: { ...core.files, 'src/x.ts': "\n\nexport type { X } from '@lighthouse/x/types';\n" },
      },
      x: { files: { 'src/types.ts': 'export type X = 1;\n' } },
    });
    expect(summary(checkImports(root))).toEqual([
      {
        rule: 'core-imports-lighthouse',
        file: 'packages/core/src/x.ts',
        line: 3,
        specifier: '@lighthouse/x/types',
      },
    ]);
  });

  it('reports a plugin importing another plugin or the cli, even when declared', () => {
    const root = workspace({
      ...clean,
      'example-plugin': {
        manifest: {
          dependencies: { '@lighthouse/check-a': '*', '@lighthouse/cli': '*' },
          peerDependencies: { '@lighthouse/core': '*' },
          lighthouse: plugin,
        },
        files: {
          'src/index.ts':
            "import { check } from '@lighthouse/check-a';\nconst cli = await import('@lighthouse/cli');\nexport { check, cli };\n",
        },
      },
    });
    const problems = checkImports(root);
    expect(summary(problems)).toEqual([
      {
        rule: 'plugin-imports-plugin',
        file: 'packages/example-plugin/src/index.ts',
        line: 1,
        specifier: '@lighthouse/check-a',
      },
      {
        rule: 'plugin-imports-plugin',
        file: 'packages/example-plugin/src/index.ts',
        line: 2,
        specifier: '@lighthouse/cli',
      },
    ]);
    expect(problems[0]!.message).toContain('another plugin (@lighthouse/check-a)');
  });

  it('reports a cycle between workspace packages, from declarations and imports', () => {
    const root = workspace({
      ...clean,
      testing: {
        ...clean.testing,
        files: {
          'src/index.ts': "import { main } from '@lighthouse/cli';\nexport const memory = main;\n",
        },
        manifest: { dependencies: { '@lighthouse/core': '*', '@lighthouse/cli': '*' } },
      },
      cli: {
        ...clean.cli,
        manifest: {
          dependencies: { ...clean.cli.manifest.dependencies, '@lighthouse/testing': '*' },
        },
      },
    });
    const problems = checkImports(root).filter((problem) => problem.rule === 'package-cycle');
    expect(problems).toHaveLength(1);
    expect(summary(problems)).toEqual([
      {
        rule: 'package-cycle',
        file: 'packages/testing/src/index.ts',
        line: 1,
        specifier: '@lighthouse/cli',
      },
    ]);
    expect(problems[0]!.message).toContain(
      'workspace package cycle: @lighthouse/cli -> @lighthouse/testing -> @lighthouse/cli',
    );
    expect(problems[0]!.message).toContain(
      '(@lighthouse/cli declares @lighthouse/testing (packages/cli/package.json:7); @lighthouse/testing imports @lighthouse/cli (packages/testing/src/index.ts:1))',
    );

    const importsOnly = workspace({
      core: { files: { 'src/index.ts': "export const b = await import('@lighthouse/b');\n" } },
      b: { files: { 'src/index.ts': "export * from '@lighthouse/core';\n" } },
    });
    const cycle = checkImports(importsOnly).filter((problem) => problem.rule === 'package-cycle');
    expect(summary(cycle)).toEqual([
      {
        rule: 'package-cycle',
        file: 'packages/b/src/index.ts',
        line: 1,
        specifier: '@lighthouse/core',
      },
    ]);
  });

  it('reports each cycle between the source files of a package, with its path', () => {
    const root = workspace({
      ...clean,
      'check-a': {
        ...clean['check-a'],
        files: {
          ...clean['check-a'].files,
          'src/a.ts': "import { b } from './dir/b.js';\nexport const a = () => b;\n",
          'src/dir/b.ts': "import type { C } from '../c.js';\nexport const b = (c: C) => c;\n",
          'src/c.ts': "// the barrel\n\nexport * from './dir/index.js';\nexport type C = 1;\n",
          'src/dir/index.ts': "export { a } from '../a.js';\n",
          'src/self.ts': "import { self } from './self.js';\nexport { self };\n",
        },
      },
    });
    const problems = checkImports(root);
    expect(summary(problems)).toEqual([
      { rule: 'file-cycle', file: 'packages/check-a/src/a.ts', line: 1, specifier: './dir/b.js' },
      { rule: 'file-cycle', file: 'packages/check-a/src/self.ts', line: 1, specifier: './self.js' },
    ]);
    expect(problems[0]!.message).toBe(
      "import cycle in @lighthouse/check-a src/ through './dir/b.js': a.ts -> dir/b.ts (type-only) -> c.ts -> dir/index.ts -> a.ts",
    );
  });

  it('does not count imports in comments or strings', () => {
    const root = workspace({
      ...clean,
      'check-a': {
        ...clean['check-a'],
        files: {
          ...clean['check-a'].files,
          'src/commented.ts': [
            "// import chokidar from 'chokidar';",
            "/* export * from '@lighthouse/cli';",
            "   import('left-pad') */",
            "/** @see import('js-yaml') */",
            'export const text = "import x from \'zod\'";',
            "export const template = `export * from './index.js'`;",
            '',
          ].join('\n'),
        },
      },
    });
    expect(checkImports(root)).toEqual([]);
  });
});

describe('readImports', () => {
  it('reads every kind of import with its line', () => {
    const text = [
      "import a from 'a';",
      "import type { B } from 'b';",
      "import { type C } from 'c';",
      "import 'd';",
      "export * from 'e';",
      "export type { F } from 'f';",
      "const g = await import('g');",
      "type H = import('h').H;",
      'import {',
      '  i,',
      "} from 'i';",
      "import j = require('j');",
    ].join('\n');
    expect(readImports('x.ts', text)).toEqual([
      { specifier: 'a', line: 1, typeOnly: false },
      { specifier: 'b', line: 2, typeOnly: true },
      { specifier: 'c', line: 3, typeOnly: true },
      { specifier: 'd', line: 4, typeOnly: false },
      { specifier: 'e', line: 5, typeOnly: false },
      { specifier: 'f', line: 6, typeOnly: true },
      { specifier: 'g', line: 7, typeOnly: false },
      { specifier: 'h', line: 8, typeOnly: true },
      { specifier: 'i', line: 11, typeOnly: false },
      { specifier: 'j', line: 12, typeOnly: false },
    ]);
  });
});

describe('findCycles', () => {
  const graph = (edges: Record<string, string[]>) =>
    new Map(
      Object.entries(edges).map(([from, tos]) => [from, new Map(tos.map((to) => [to, true]))]),
    );

  it('lists every elementary cycle once, from its smallest node', () => {
    const { cycles, truncated } = findCycles(
      graph({ a: ['b'], b: ['c', 'a'], c: ['a', 'c'], d: ['a'] }),
    );
    expect(cycles).toEqual([['a', 'b'], ['a', 'b', 'c'], ['c']]);
    expect(truncated).toEqual([]);
  });

  it('stops at the limit and names the component it cut short', () => {
    const nodes = ['a', 'b', 'c', 'd', 'e'];
    const complete = graph(
      Object.fromEntries(nodes.map((node) => [node, nodes.filter((other) => other !== node)])),
    );
    const { cycles, truncated } = findCycles(complete, 10);
    expect(cycles).toHaveLength(10);
    expect(truncated).toEqual([nodes]);
  });
});

describe('the lighthouse workspace', () => {
  it('is checked without errors and every problem points at a real import', () => {
    // Not asserted clean: the problems are printed by `npm run check` and fixed in the sources.
    const problems = checkImports(repoRoot);
    for (const problem of problems) {
      expect(problem.file).toMatch(/^(packages|examples)\/[^/]+\/(src|test|package\.json)/);
      expect(problem.line).toBeGreaterThan(0);
    }
    expect(problems.filter((problem) => problem.rule !== 'undeclared-dependency')).toEqual([]);
  });
});
