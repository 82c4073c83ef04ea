import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/errors.js';
import type { Logger } from '../../src/log.js';
import { renderError } from '../../src/render-error.js';
import { PluginRegistry } from '../../src/plugins/index.js';
import { failure, globalFlag, project, registryFor } from './helpers.js';

const referencedFrom = 'services/web.yaml';

describe('failures keep what the user needs', () => {
  it('names the package and its directory, and keeps the original error as cause', async () => {
    const error = await failure(
      (await registryFor('missing-inner-dependency')).resolve('checks', 'needs-dep'),
    );
    const dir = project('missing-inner-dependency', 'node_modules', 'lighthouse-check-needs-dep');
    expect(error.message).toContain(
      `Check "needs-dep" from lighthouse-check-needs-dep@1.0.0 (${dir})`,
    );
    expect(error.message).not.toContain('Referenced from');
    expect(error.details).toEqual({
      kind: 'checks',
      plugin: 'needs-dep',
      package: 'lighthouse-check-needs-dep',
    });
    expect(error.cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' });
    expect(error.suggestions[0]).toContain('npm install lighthouse-check-needs-dep');
  });

  it('names both packages of a conflict, with their paths', async () => {
    const error = await failure((await registryFor('duplicate-name')).resolve('checks', 'dup'));
    for (const pkg of ['lighthouse-check-dup-a', 'lighthouse-check-dup-b']) {
      expect(error.message).toContain(
        `${pkg}@1.0.0 (${project('duplicate-name', 'node_modules', pkg)})`,
      );
    }
  });

  it('says what it found, where it looked and what to try when nothing provides a plugin', async () => {
    const registry = await PluginRegistry.discover({
      projectRoot: project('self-package-dirs'),
      selfPackageDirs: [project('self-package-dirs', 'node_modules', '@fixture', 'cli')],
    });
    const error = await failure(registry.resolve('checks', 'shraed', referencedFrom));
    expect(error.message).toBe(
      `Check "shraed" is not provided by any installed package. Searched the dependencies of ` +
        `${project('self-package-dirs', 'package.json')} and of @fixture/cli ` +
        `(found checks: bundled, copied, shared). Referenced from services/web.yaml.`,
    );
    expect(error.suggestions).toEqual([
      'Did you mean "shared"?',
      `npm install lighthouse-check-shraed (or whichever package provides it) in ${project('self-package-dirs')}`,
    ]);
  });

  it('renders with "Try this:" lines', async () => {
    const error = await failure((await registryFor('valid-esm')).resolve('checks', 'esn'));
    expect(renderError(error).split('\n')).toEqual([
      `Error: Check "esn" is not provided by any installed package. Searched the dependencies of ${project('valid-esm', 'package.json')} (found checks: esm).`,
      'Code: LH_PLUGIN_NOT_FOUND',
      'Try this: Did you mean "esm"?',
      `Try this: npm install lighthouse-check-esn (or whichever package provides it) in ${project('valid-esm')}`,
    ]);
  });

  it('offers no did-you-mean for a name nothing resembles', async () => {
    const error = await failure((await registryFor('valid-esm')).resolve('discovery', 'consul'));
    expect(error.message).toContain('(found no discovery)');
    expect(error.suggestions).toEqual([
      `npm install lighthouse-discovery-consul (or whichever package provides it) in ${project('valid-esm')}`,
    ]);
  });

  it('points at dependencies that are listed but not installed', async () => {
    const error = await failure(
      (await registryFor('no-lighthouse-key')).resolve('checks', 'ghost'),
    );
    expect(error.suggestions).toContain(
      `Run npm install in ${project('no-lighthouse-key')}: lighthouse-check-ghost is listed in its package.json but not installed`,
    );
  });
});

describe('two phases: discovery imports nothing', () => {
  it('imports a plugin only when it is resolved', async () => {
    const registry = await registryFor('side-effect');
    expect(registry.list().map((entry) => entry.name)).toEqual(['side-effect']);
    expect(globalFlag('__lhSideEffectImported')).toBeUndefined();
    await registry.resolve('checks', 'side-effect');
    expect(globalFlag('__lhSideEffectImported')).toBe(true);
  });

  it('rejects an unsupported apiVersion without running the package', async () => {
    const registry = await registryFor('wrong-api-version');
    await expect(registry.resolve('checks', 'future')).rejects.toThrow(/apiVersion/);
    expect(globalFlag('__lhFutureImported')).toBeUndefined();
  });

  it('never runs a target outside its package', async () => {
    const registry = await registryFor('path-escape');
    expect(registry.list()).toEqual([]);
    await expect(registry.resolve('checks', 'escape')).rejects.toThrow(/outside the package/);
    expect(globalFlag('__lhEvilImported')).toBeUndefined();
  });

  it('loads once per registry, and concurrent callers share that load', async () => {
    const checks = (): number => Number(globalFlag('__lhEsmDependencyChecks') ?? 0);
    const registry = await registryFor('valid-esm');
    const before = checks();
    const [first, second] = await Promise.all([
      registry.resolve('checks', 'esm'),
      registry.resolve('checks', 'esm', 'services/api.yaml'),
    ]);
    const third = await registry.resolve('checks', 'esm');
    expect(checks()).toBe(before + 1);
    expect(first).toBe(second);
    expect(first).toBe(third);
  });

  it('reports a cached failure with each caller’s own referencedFrom', async () => {
    const registry = await registryFor('throws-on-import');
    const a = await failure(registry.resolve('checks', 'throws', 'services/a.yaml'));
    const b = await failure(registry.resolve('checks', 'throws', 'services/b.yaml'));
    expect(a.message).toContain('Referenced from services/a.yaml.');
    expect(b.message).toContain('Referenced from services/b.yaml.');
    expect(b.cause).toBe(a.cause);
  });
});

describe('where discovery looks', () => {
  const temporary: string[] = [];
  afterEach(async () => {
    await Promise.all(temporary.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('finds the project root from a nested config directory', async () => {
    const registry = await PluginRegistry.discover({
      configDir: project('valid-esm', 'etc', 'lighthouse'),
    });
    expect(registry.list()).toEqual([
      {
        kind: 'checks',
        name: 'esm',
        packageName: 'lighthouse-check-esm',
        version: '1.0.0',
        packageDir: project('valid-esm', 'node_modules', 'lighthouse-check-esm'),
        file: project('valid-esm', 'node_modules', 'lighthouse-check-esm', 'index.js'),
        exportName: 'default',
        foundVia: project('valid-esm'),
      },
    ]);
  });

  it('prefers an explicit projectRoot over the config directory', async () => {
    const registry = await PluginRegistry.discover({
      projectRoot: project('scoped-package'),
      configDir: project('valid-esm', 'etc', 'lighthouse'),
    });
    expect(registry.names('checks')).toEqual(['x']);
  });

  it('searches selfPackageDirs after the project, once per package, preferring the project copy', async () => {
    const cli = project('self-package-dirs', 'node_modules', '@fixture', 'cli');
    const registry = await PluginRegistry.discover({
      projectRoot: project('self-package-dirs'),
      selfPackageDirs: [cli],
    });
    expect(
      registry.list().map(({ name, version, foundVia }) => ({ name, version, foundVia })),
    ).toEqual([
      { name: 'bundled', version: '1.0.0', foundVia: cli },
      // devDependencies of the project count; the CLI's own 1.0.0 copy loses to the project's.
      { name: 'copied', version: '2.0.0', foundVia: project('self-package-dirs') },
      // Found via both roots, same directory: listed once.
      { name: 'shared', version: '2.0.0', foundVia: project('self-package-dirs') },
    ]);
    expect(registry.problems()).toEqual([]);
    await expect(registry.resolve('checks', 'bundled')).resolves.toMatchObject({ name: 'bundled' });
    // The CLI's devDependencies are not installed with it, so they are not searched.
    await expect(registry.resolve('checks', 'dev-only')).rejects.toMatchObject({
      code: ErrorCode.PluginNotFound,
    });
  });

  it('finds a plugin of the CLI only through selfPackageDirs', async () => {
    const registry = await registryFor('self-package-dirs');
    await expect(registry.resolve('checks', 'bundled')).rejects.toMatchObject({
      code: ErrorCode.PluginNotFound,
    });
  });

  it('ignores another tool’s "lighthouse" key', async () => {
    const registry = await registryFor('google-lighthouse-key');
    expect(registry.list()).toEqual([]);
    expect(registry.problems()).toEqual([]);
    expect(globalFlag('__lhGoogleImported')).toBeUndefined();
  });

  it('resolves from the project, never from core’s own location', async () => {
    // typebox and debug are installed next to core, but not in this project.
    const root = await mkdtemp(join(tmpdir(), 'lh-plugins-'));
    temporary.push(root);
    await writeFile(
      join(root, 'package.json'),
      JSON.stringify({ dependencies: { typebox: '1.0.0', debug: '4.0.0' } }),
    );
    const registry = await PluginRegistry.discover({ configDir: root });
    const error = await failure(registry.resolve('checks', 'http'));
    expect(error.suggestions).toContain(
      `Run npm install in ${await realpath(root)}: debug, typebox are listed in its package.json but not installed`,
    );
  });

  it('searches only the CLI when there is no project package.json', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lh-plugins-'));
    temporary.push(root);
    const registry = await PluginRegistry.discover({
      configDir: root,
      selfPackageDirs: [project('self-package-dirs', 'node_modules', '@fixture', 'cli')],
    });
    const error = await failure(registry.resolve('checks', 'http'));
    expect(error.message).toContain(
      `Searched the dependencies of @fixture/cli only, as there is no package.json at or above ${root} (found checks: bundled, copied, shared)`,
    );
  });

  it('reports a root whose package.json cannot be read, and searches the others', async () => {
    const registry = await PluginRegistry.discover({
      projectRoot: project('valid-esm', 'etc'),
      selfPackageDirs: [project('valid-esm')],
    });
    expect(registry.problems().map((problem) => problem.message)).toEqual([
      `Could not read ${project('valid-esm', 'etc', 'package.json')}, so its dependencies were not searched for plugins: ENOENT: no such file or directory, open '${project('valid-esm', 'etc', 'package.json')}'`,
    ]);
    expect(registry.names('checks')).toEqual(['esm']);
  });

  it('says so when there is no project package.json at all', async () => {
    const root = await mkdtemp(join(tmpdir(), 'lh-plugins-'));
    temporary.push(root);
    const registry = await PluginRegistry.discover({ configDir: root });
    const error = await failure(registry.resolve('checks', 'http'));
    expect(error.message).toContain(
      `No dependencies were searched, as there is no package.json at or above ${root} (found no checks)`,
    );
    expect(error.suggestions.at(-1)).toMatch(
      /^Create a package\.json next to your config directory/,
    );
  });
});

describe('a project with no plugin package (a bare @lighthouse/cli)', () => {
  it('says so, where it looked and which packages to install', async () => {
    const registry = await registryFor('no-lighthouse-key');
    const error = registry.nothingInstalled();
    expect(error?.code).toBe(ErrorCode.PluginNotFound);
    expect(error?.message).toContain(
      `No lighthouse plugins are installed. Searched the dependencies of ${project('no-lighthouse-key', 'package.json')}`,
    );
    expect(error?.suggestions.join('\n')).toContain(
      `@lighthouse/check-http, @lighthouse/check-redis, @lighthouse/check-tcp, @lighthouse/haproxy-agent, @lighthouse/haproxy-balancer, @lighthouse/zookeeper-discovery), or @lighthouse/all for all of them in ${project('no-lighthouse-key')}`,
    );
  });

  it('names the first-party package of a missing first-party plugin', async () => {
    const error = await failure(
      (await registryFor('no-lighthouse-key')).resolve('discovery', 'zookeeper', referencedFrom),
    );
    expect(error.suggestions).toContain(
      `npm install @lighthouse/zookeeper-discovery (or @lighthouse/all for every first-party plugin) in ${project('no-lighthouse-key')}`,
    );
  });

  it('is not said when some package provides a plugin, or claims one and is broken', async () => {
    expect((await registryFor('valid-esm')).nothingInstalled()).toBeUndefined();
    expect((await registryFor('wrong-api-version')).nothingInstalled()).toBeUndefined();
  });
});

describe('problems, list and loadAll (for `lighthouse plugins`)', () => {
  it('lists entries by kind, then name', async () => {
    const registry = await registryFor('wrong-shape');
    expect(registry.list().map(({ kind, name }) => `${kind}/${name}`)).toEqual([
      'balancers/no-cluster-schema',
      'checks/no-brand',
      'checks/no-create',
      'checks/not-object',
      'checks/throwing-getter',
    ]);
  });

  it('collects broken packages as problems without breaking the good plugin', async () => {
    const warnings: string[] = [];
    const log: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: (message) => warnings.push(message),
      error: () => undefined,
      child: () => log,
    };
    const registry = await PluginRegistry.discover({ projectRoot: project('mixed'), log });
    const problems = registry.problems();
    expect(problems.map((problem) => problem.code)).toEqual([
      ErrorCode.PluginInvalid,
      ErrorCode.PluginInvalid,
    ]);
    expect(problems[0]?.message).toMatch(
      /^Could not read the package\.json of lighthouse-check-corrupt/,
    );
    expect(problems[1]?.message).toContain(
      'lighthouse-check-invalid@1.0.0 (' +
        project('mixed', 'node_modules', 'lighthouse-check-invalid') +
        '): the "lighthouse" key of its package.json is invalid: /checks: must be object',
    );
    expect(warnings).toEqual(problems.map((problem) => problem.message));
    await expect(registry.resolve('checks', 'good')).resolves.toMatchObject({ name: 'good' });
    const statuses = await registry.loadAll();
    expect(
      statuses.map((status) => [status.entry.name, status.ok ? 'ok' : status.error.code]),
    ).toEqual([
      ['broken', ErrorCode.PluginLoadFailed],
      ['good', 'ok'],
    ]);
  });

  it('reports every reason a manifest is invalid', async () => {
    const [problem] = (await registryFor('bad-manifest')).problems();
    expect(problem?.message).toContain(
      '/check: is not a known key (expected apiVersion, checks, discovery, balancers or agents); /checks/bad: must be a file path',
    );
  });

  it('lists a conflict as a problem and as the status of both entries', async () => {
    const registry = await registryFor('duplicate-name');
    expect(registry.problems().map((problem) => problem.code)).toEqual([ErrorCode.PluginConflict]);
    const statuses = await registry.loadAll();
    expect(
      statuses.map((status) => [status.entry.packageName, status.entry.name, status.ok]),
    ).toEqual([
      ['lighthouse-check-dup-a', 'dup', false],
      ['lighthouse-check-dup-b', 'dup', false],
      ['lighthouse-check-dup-a', 'only-a', true],
      ['lighthouse-check-dup-b', 'only-b', true],
    ]);
    expect(registry.names('checks')).toEqual(['dup', 'only-a', 'only-b']);
  });
});
