// What the registry would get: `npm pack --dry-run --json` (no network, no tarball) for every
// publishable package under packages/, checked by the rules of ./pack-rules.ts. Needs the build
// (`npx tsc -b`; `npm test` runs it first, in its typecheck step).
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkManifest, checkPack, entryPoints, formatPackProblem } from './pack-rules.js';
import type { Manifest } from './pack-rules.js';

const repoRoot = resolve(import.meta.dirname, '..', '..');
type PackageJson = Manifest & { private?: boolean };
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as PackageJson;

describe('checkPack', () => {
  const pkg: Manifest = {
    name: '@lighthouse/check-x',
    main: './dist/index.js',
    types: './dist/index.d.ts',
    bin: { x: './bin/x.js' },
    exports: {
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './features/*': './dist/features/*.js',
      './package.json': './package.json',
    },
    lighthouse: { apiVersion: 2, checks: { x: './dist/index.js' } },
  };
  const map = (sources: string[], extra: object = {}) =>
    JSON.stringify({ version: 3, sources, mappings: '', ...extra });
  const clean: Record<string, string> = {
    'README.md': '# x\n',
    LICENSE: 'Apache License\n',
    'package.json': '{}',
    'bin/x.js': "#!/usr/bin/env node\nimport '../dist/index.js';\n",
    'dist/index.js': 'export {};\n//# sourceMappingURL=index.js.map',
    'dist/index.js.map': map(['../src/index.ts']),
    'dist/index.d.ts': 'export {};\n//# sourceMappingURL=index.d.ts.map\n',
    'dist/index.d.ts.map': map(['index.ts'], { sourceRoot: '../src' }),
    'dist/features/a.js': 'export {};\n',
    'src/index.ts': 'export {};\n',
  };
  const check = (files: Record<string, string>, manifest: Manifest = pkg) =>
    checkPack({
      where: 'packages/check-x',
      pkg: manifest,
      files: Object.keys(files),
      readFile: (path) => {
        if (files[path] === undefined) throw new Error(`ENOENT: ${path}`);
        return files[path];
      },
    });
  const without = (files: Record<string, string>, ...names: string[]) =>
    Object.fromEntries(Object.entries(files).filter(([name]) => !names.includes(name)));
  const rules = (files: Record<string, string>, manifest?: Manifest) =>
    check(files, manifest).map(({ rule, file }) => `${rule} ${file}`);

  it('finds nothing wrong in a pack that ships its sources with its maps', () => {
    expect(check(clean)).toEqual([]);
  });

  it('reports build info and test files', () => {
    expect(
      rules({
        ...clean,
        'dist/.tsbuildinfo': '{}',
        'dist/index.test.js': '',
        'src/probe.spec.ts': '',
        'test/helper.js': '',
        'dist/__tests__/a.js': '',
      }),
    ).toEqual([
      'pack-test-file packages/check-x/dist/__tests__/a.js',
      'pack-build-info packages/check-x/dist/.tsbuildinfo',
      'pack-test-file packages/check-x/dist/index.test.js',
      'pack-test-file packages/check-x/src/probe.spec.ts',
      'pack-test-file packages/check-x/test/helper.js',
    ]);
    expect(formatPackProblem(check({ ...clean, 'dist/.tsbuildinfo': '{}' })[0]!)).toBe(
      'packages/check-x/dist/.tsbuildinfo: pack-build-info: @lighthouse/check-x: packs TypeScript build info dist/.tsbuildinfo (exclude it in "files")',
    );
  });

  it('reports maps whose sources are not packed, sourceRoot included', () => {
    const problems = check(without(clean, 'src/index.ts'));
    expect(problems.map(({ rule, message }) => `${rule}: ${message}`)).toEqual([
      'pack-source-map: @lighthouse/check-x: dist/index.d.ts.map maps to index.ts, which is not packed',
      'pack-source-map: @lighthouse/check-x: dist/index.js.map maps to ../src/index.ts, which is not packed',
    ]);
    expect(
      rules({
        ...clean,
        'dist/index.js.map': map(['../../../other/src/index.ts', 'webpack://x/src/index.ts']),
      }),
    ).toEqual([
      'pack-source-map packages/check-x/dist/index.js.map',
      'pack-source-map packages/check-x/dist/index.js.map',
    ]);
    const stale = checkPack({
      where: 'packages/check-x',
      pkg,
      files: ['dist/gone.js.map'],
      readFile: () => map(['../src/gone.ts']),
      exists: (path) => path !== 'src/gone.ts',
    });
    expect(stale.map(({ message }) => message)).toContain(
      '@lighthouse/check-x: dist/gone.js.map maps to ../src/gone.ts, which does not exist: dist/gone.js.map is stale output of a deleted source (delete dist/ and build again)',
    );
    expect(rules({ ...clean, 'dist/index.js.map': '{ not json' })).toEqual([
      'pack-source-map packages/check-x/dist/index.js.map',
    ]);
  });

  it('accepts sources embedded in sourcesContent', () => {
    const files = {
      ...without(clean, 'src/index.ts'),
      'dist/index.js.map': map(['../src/index.ts'], { sourcesContent: ['export {};\n'] }),
      'dist/index.d.ts.map': map(['../src/index.ts'], { sourcesContent: ['export {};\n'] }),
    };
    expect(check(files)).toEqual([]);
  });

  it('reports a sourceMappingURL naming a map that is not packed', () => {
    const noMaps = without(clean, 'dist/index.js.map', 'dist/index.d.ts.map', 'src/index.ts');
    expect(check(noMaps).map(({ message }) => message)).toEqual([
      '@lighthouse/check-x: dist/index.d.ts names the source map index.d.ts.map, which is not packed',
      '@lighthouse/check-x: dist/index.js names the source map index.js.map, which is not packed',
    ]);
    const inline = 'export {};\n//# sourceMappingURL=data:application/json;base64,e30=\n';
    expect(
      check({ ...noMaps, 'dist/index.js': inline, 'dist/index.d.ts': 'export {};\n' }),
    ).toEqual([]);
  });

  it('reports a missing README or LICENSE at the root of the package', () => {
    expect(
      rules({ ...without(clean, 'README.md', 'LICENSE'), 'docs/README.md': '', 'src/LICENSE': '' }),
    ).toEqual([
      'pack-missing-doc packages/check-x/LICENSE',
      'pack-missing-doc packages/check-x/README.md',
    ]);
    expect(
      rules({ ...without(clean, 'README.md', 'LICENSE'), readme: '', 'LICENCE.txt': '' }),
    ).toEqual([]);
  });

  it('reports main, types, bin, exports and plugin targets that are not packed', () => {
    const problems = check(without(clean, 'dist/index.js', 'bin/x.js', 'dist/features/a.js'), {
      ...pkg,
      exports: { ...(pkg.exports as object), './extra': { node: ['./dist/extra.js'] } },
    });
    expect(problems.map(({ rule, message }) => `${rule}: ${message}`)).toEqual([
      'pack-missing-entry: @lighthouse/check-x: "main" points at dist/index.js, which is not packed',
      'pack-missing-entry: @lighthouse/check-x: "bin.x" points at bin/x.js, which is not packed',
      'pack-missing-entry: @lighthouse/check-x: "exports["."]["default"]" points at dist/index.js, which is not packed',
      'pack-missing-entry: @lighthouse/check-x: "exports["./features/*"]" points at dist/features/*.js, which is not packed',
      'pack-missing-entry: @lighthouse/check-x: "exports["./extra"]["node"][0]" points at dist/extra.js, which is not packed',
      'pack-missing-entry: @lighthouse/check-x: "lighthouse.checks.x" points at dist/index.js, which is not packed',
    ]);
    expect(entryPoints({ bin: './cli.js', typings: 'index.d.ts' })).toEqual([
      { field: 'types', target: 'index.d.ts' },
      { field: 'bin', target: 'cli.js' },
    ]);
  });
});

describe('checkManifest', () => {
  const rootPkg: Manifest = { engines: { node: '>=20.19' } };
  const pkg: Manifest = {
    name: '@lighthouse/x',
    description: 'A check and a balancer.',
    license: 'Apache-2.0',
    engines: { node: '>=20.19' },
    repository: { type: 'git', url: 'git+https://example.invalid/x.git', directory: 'packages/x' },
    keywords: ['lighthouse-plugin', 'lighthouse-check', 'lighthouse-balancer'],
    lighthouse: { apiVersion: 2, checks: { x: './dist/x.js' }, balancers: { y: './dist/y.js' } },
  };
  const messages = (manifest: Manifest) =>
    checkManifest({ where: 'packages/x', pkg: manifest, rootPkg }).map(({ message }) => message);

  it('accepts complete metadata, and a library without plugin keywords', () => {
    expect(messages(pkg)).toEqual([]);
    expect(messages({ ...pkg, lighthouse: undefined, keywords: [] })).toEqual([]);
  });

  it('reports each missing or wrong field', () => {
    expect(
      messages({
        name: '@lighthouse/x',
        description: ' ',
        engines: { node: '>=18' },
        repository: { type: 'git', url: 'git+https://example.invalid/x.git' },
        keywords: ['lighthouse-check'],
        lighthouse: pkg.lighthouse!,
      }),
    ).toEqual([
      '@lighthouse/x: no "description"',
      '@lighthouse/x: no "license"',
      `@lighthouse/x: "engines.node" must be the root's ">=20.19"`,
      '@lighthouse/x: "repository.directory" must be "packages/x"',
      `@lighthouse/x: a plugin's "keywords" must include "lighthouse-plugin"`,
      `@lighthouse/x: a plugin's "keywords" must include "lighthouse-balancer"`,
    ]);
    expect(messages({ ...pkg, repository: 'github:x/x' })).toEqual([
      '@lighthouse/x: no "repository" { type, url, directory }',
    ]);
  });
});

describe('npm pack of every publishable package under packages/', () => {
  const rootPkg = readJson(join(repoRoot, 'package.json'));
  const packages = readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `packages/${entry.name}`)
    .filter((where) => existsSync(join(repoRoot, where, 'package.json')))
    .sort()
    .map((where) => ({
      where,
      dir: join(repoRoot, where),
      pkg: readJson(join(repoRoot, where, 'package.json')),
    }))
    .filter(({ pkg }) => pkg.private !== true);
  const packed = new Map<string, string[]>();

  beforeAll(async () => {
    // A package without `main` (@lighthouse/all: bins only) has nothing to build.
    const unbuilt = packages.filter(({ dir, pkg }) => pkg.main && !existsSync(join(dir, pkg.main)));
    if (unbuilt.length > 0)
      throw new Error(
        `not built: ${unbuilt.map(({ where, pkg }) => `${where}/${pkg.main}`).join(', ')} missing; run \`npx tsc -b\` first (\`npm test\` does, in its typecheck step)`,
      );
    // npm's own settings from an enclosing `npm test` (npm_config_*) must not change the pack.
    const env = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => !/^npm_config_/i.test(key) || /^npm_config_(?:cache|userconfig)$/i.test(key),
      ),
    );
    const { stdout } = await promisify(execFile)(
      'npm',
      [
        'pack',
        '--dry-run',
        '--json',
        '--offline',
        '--no-update-notifier',
        ...packages.flatMap(({ where }) => ['--workspace', where]),
      ],
      { cwd: repoRoot, env, maxBuffer: 64 * 1024 * 1024 },
    );
    const results = JSON.parse(stdout) as { name: string; files: { path: string }[] }[];
    for (const { name, files } of results)
      packed.set(
        name,
        files.map(({ path }) => path),
      );
  }, 60_000);

  it('finds the packages', () => {
    expect(packages.length).toBeGreaterThan(0);
    expect([...packed.keys()].sort()).toEqual(packages.map(({ pkg }) => pkg.name).sort());
  });

  it.each(packages.map((entry) => [entry.pkg.name, entry] as const))(
    '%s packs no build info, tests or dangling source maps, and packs its docs and entry points',
    (name, { where, dir, pkg }) => {
      const files = packed.get(name!);
      expect(files, `npm pack listed nothing for ${name}`).toBeDefined();
      const problems = checkPack({
        where,
        pkg,
        files: files!,
        readFile: (path) => readFileSync(join(dir, path), 'utf8'),
        exists: (path) => existsSync(join(dir, path)),
      });
      expect(problems.map(formatPackProblem)).toEqual([]);
    },
  );

  it.each(packages.map((entry) => [entry.pkg.name, entry] as const))(
    '%s has its registry metadata',
    (_name, { where, pkg }) => {
      expect(checkManifest({ where, pkg, rootPkg }).map(formatPackProblem)).toEqual([]);
    },
  );

  it('ships the docs with @lighthouse/cli, so the paths its --help prints exist in an install', () => {
    const guides = readdirSync(join(repoRoot, 'docs')).filter((name) => name.endsWith('.md'));
    expect(guides).toContain('cli.md');
    const files = new Set(packed.get('@lighthouse/cli'));
    expect(guides.filter((name) => !files.has(`docs/${name}`))).toEqual([]);
  });

  it('declares one license everywhere, with the same LICENSE text in every package', () => {
    const licenses = new Set(packages.map(({ pkg }) => pkg.license));
    expect([...licenses]).toHaveLength(1);
    if (rootPkg.license !== undefined) expect([...licenses]).toEqual([rootPkg.license]);
    const texts = new Set(
      packages.map(({ dir }) => {
        const file = readdirSync(dir).find((name) => /^licen[cs]e(?:\.|$)/i.test(name));
        return file === undefined ? undefined : readFileSync(join(dir, file), 'utf8');
      }),
    );
    expect(texts.size).toBe(1);
  });
});
