import { realpath } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PluginKind } from '../define.js';
import type { LighthouseError } from '../errors.js';
import type { Logger } from '../log.js';
import { debugFor } from '../log.js';
import { findProjectRoot, isPackageName, locatePackage, readPackageJson } from './locate.js';
import type { PackageJson } from './locate.js';
import { isRecord } from '../is-record.js';
import { readManifest } from './manifest.js';
import { invalidManifest, unreadablePackageError, unreadableRootError } from './messages.js';
import type { PluginEntry, PluginFailure, PluginPackage, SearchedRoot } from './types.js';

const debug = debugFor('core:plugins:discover');

/**
 * The project is a deployment, not a published library: whether a plugin landed in
 * `dependencies`, `optionalDependencies` or `devDependencies` (`npm i -D`) is an accident, and
 * a devDependency left out by `npm ci --omit=dev` simply is not installed and is skipped.
 */
const projectFields = ['dependencies', 'optionalDependencies', 'devDependencies'] as const;

/** An installed package (the CLI) only has its runtime dependencies installed. */
const selfFields = ['dependencies', 'optionalDependencies'] as const;

/** Where to look for plugin packages. */
export interface DiscoverOptions {
  /** The project root (`--root`). When omitted it is found from `configDir`. */
  projectRoot?: string;
  /**
   * The config directory: the nearest directory at or above it with a package.json is the
   * project root. Defaults to the current directory.
   */
  configDir?: string;
  /**
   * The project used when no package.json is found at or above `configDir`: the CLI passes the
   * deployment it is installed in, so `/opt/lighthouse/node_modules/.bin/lighthouse validate
   * /etc/lighthouse` finds the plugins installed next to it.
   */
  fallbackProjectRoot?: string;
  /**
   * Packages whose own dependencies are searched after the project's, each resolved from its
   * own directory. The CLI passes its install, so the first-party plugins it ships are found.
   */
  selfPackageDirs?: readonly string[];
  /** Where discovery problems are warned about: a broken plugin nobody uses is only a warning. */
  log?: Logger;
}

/** A plugin name claimed by a package whose manifest is unusable. */
export interface BrokenClaim extends PluginPackage {
  readonly kind: PluginKind;
  readonly name: string;
  readonly failure: PluginFailure;
}

/** Phase 1's result: what was found, from package.json files only. */
export interface PluginScan {
  readonly projectRoot: string | undefined;
  /** Where the search for the project's package.json started, when none was found. */
  readonly noProjectAbove: string | undefined;
  readonly roots: readonly SearchedRoot[];
  /** Dependencies of the project that are listed but not installed. */
  readonly notInstalled: readonly string[];
  readonly entries: readonly PluginEntry[];
  readonly broken: readonly BrokenClaim[];
  /** Unreadable package.json files and unusable manifests. */
  readonly problems: readonly LighthouseError[];
}

interface Root extends SearchedRoot {
  readonly project: boolean;
  readonly dependencies: readonly string[];
}

interface Candidate {
  readonly dependency: string;
  readonly dir: string;
  readonly root: Root;
}

function stringField(pkg: PackageJson, field: string): string | undefined {
  const value = pkg[field];
  return typeof value === 'string' ? value : undefined;
}

function dependencyNames(pkg: PackageJson, fields: readonly string[]): string[] {
  const names = fields.flatMap((field) => {
    const map = pkg[field];
    return isRecord(map) ? Object.keys(map) : [];
  });
  return [...new Set(names)].sort();
}

async function readRoots(
  dirs: readonly { dir: string; project: boolean }[],
  problems: LighthouseError[],
): Promise<Root[]> {
  const roots: Root[] = [];
  for (const { dir: given, project } of dirs) {
    const dir = await realpath(given).catch(() => given);
    if (roots.some((root) => root.dir === dir)) continue;
    let pkg: PackageJson;
    try {
      pkg = await readPackageJson(dir);
    } catch (error) {
      problems.push(unreadableRootError(dir, error));
      continue;
    }
    const label = project ? join(dir, 'package.json') : (stringField(pkg, 'name') ?? dir);
    const fields = project ? projectFields : selfFields;
    roots.push({ dir, label, project, dependencies: dependencyNames(pkg, fields) });
  }
  return roots;
}

/** Locates every dependency of every root, once per real package directory. */
async function candidatesOf(roots: readonly Root[], notInstalled: string[]): Promise<Candidate[]> {
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  for (const root of roots) {
    const names = root.dependencies.filter((name) => isPackageName(name));
    const dirs = await Promise.all(names.map((name) => locatePackage(name, root.dir)));
    names.forEach((dependency, index) => {
      const dir = dirs[index];
      if (dir === undefined) {
        debug('%s: dependency %s is not installed', root.label, dependency);
        if (root.project) notInstalled.push(dependency);
      } else if (!seen.has(dir)) {
        seen.add(dir);
        candidates.push({ dependency, dir, root });
      }
    });
  }
  return candidates;
}

interface Found {
  readonly entries: PluginEntry[];
  readonly broken: BrokenClaim[];
  readonly problems: LighthouseError[];
}

/** Files one package under entries, broken claims or problems, according to its manifest. */
function record(pkg: PluginPackage, key: unknown, found: Found): void {
  const manifest = readManifest(key, pkg.packageDir);
  switch (manifest.status) {
    case 'absent':
      return;
    case 'foreign':
      debug('%s: a "lighthouse" key without apiVersion is another tool\'s', pkg.packageName);
      return;
    case 'valid':
      for (const target of manifest.targets) found.entries.push({ ...pkg, ...target });
      debug(
        '%s provides %o',
        pkg.packageName,
        manifest.targets.map((t) => `${t.kind}/${t.name}`),
      );
      return;
    case 'invalid': {
      const { problem, failure } = invalidManifest(pkg, manifest.reasons, manifest.suggestion);
      found.problems.push(problem);
      for (const claim of manifest.claims) found.broken.push({ ...pkg, ...claim, failure });
    }
  }
}

/** Reads every candidate's package.json; the first copy of a name wins, so the project's does. */
async function examine(candidates: readonly Candidate[], found: Found): Promise<void> {
  const reads = await Promise.allSettled(candidates.map(({ dir }) => readPackageJson(dir)));
  const kept = new Map<string, string>();
  candidates.forEach(({ dependency, dir, root }, index) => {
    const read = reads[index];
    if (read?.status !== 'fulfilled') {
      found.problems.push(unreadablePackageError(dependency, dir, read?.reason));
      return;
    }
    const packageName = stringField(read.value, 'name') ?? dependency;
    const first = kept.get(packageName);
    if (first !== undefined) {
      debug('two copies of %s: using %s, ignoring %s', packageName, first, dir);
      return;
    }
    kept.set(packageName, dir);
    const version = stringField(read.value, 'version');
    const pkg: PluginPackage = { packageName, version, packageDir: dir, foundVia: root.dir };
    record(pkg, read.value['lighthouse'], found);
  });
}

/**
 * Phase 1: finds plugin packages among the dependencies of the project root, then of each
 * `selfPackageDirs` entry, reading package.json files only. Problems are collected, never thrown.
 */
export async function discoverPlugins(options: DiscoverOptions = {}): Promise<PluginScan> {
  const start = resolve(options.configDir ?? process.cwd());
  const projectRoot =
    options.projectRoot === undefined
      ? (findProjectRoot(start) ?? options.fallbackProjectRoot)
      : resolve(options.projectRoot);
  const found: Found = { entries: [], broken: [], problems: [] };
  const roots = await readRoots(
    [
      ...(projectRoot === undefined ? [] : [{ dir: projectRoot, project: true }]),
      ...(options.selfPackageDirs ?? []).map((dir) => ({ dir: resolve(dir), project: false })),
    ],
    found.problems,
  );
  const notInstalled: string[] = [];
  await examine(await candidatesOf(roots, notInstalled), found);
  return {
    ...found,
    projectRoot: roots.find((root) => root.project)?.dir ?? projectRoot,
    noProjectAbove: projectRoot === undefined ? start : undefined,
    roots: roots.map(({ dir, label }) => ({ dir, label })),
    notInstalled,
  };
}
