import { existsSync } from 'node:fs';
import { readFile, realpath } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { isRecord } from '../is-record.js';

/**
 * Finding packages on disk. Everything here resolves from a directory the caller names (the
 * project root, the CLI's install), never from this module's own location: resolving from core's
 * file would find whatever happens to be installed next to core instead of what the user's
 * project depends on (verdaccio learned this the hard way).
 */

/** A parsed package.json: only its top level is known to be an object. */
export type PackageJson = Readonly<Record<string, unknown>>;

/** Valid npm names, old mixed-case ones included; anything else (`../x`, `/abs`) is no package. */
const PACKAGE_NAME = /^(?:@[A-Za-z0-9~-][\w.~-]*\/)?[A-Za-z0-9~-][\w.~-]*$/;

/** True when `name` can be an npm package name, so it is safe to resolve as one. */
export function isPackageName(name: string): boolean {
  return PACKAGE_NAME.test(name);
}

/** The nearest directory at or above `start` that holds a package.json, if any. */
export function findProjectRoot(start: string): string | undefined {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The real directory of package `name` as seen from `root`, or undefined when it is not
 * installed there. Node's resolver is asked first; a package whose `exports` hide its
 * package.json (`ERR_PACKAGE_PATH_NOT_EXPORTED`) is then found by walking up through
 * `node_modules/<name>/package.json`, like oclif's `findRootLegacy`.
 */
export async function locatePackage(name: string, root: string): Promise<string | undefined> {
  let packageJson: string | undefined;
  try {
    packageJson = createRequire(join(root, 'package.json')).resolve(`${name}/package.json`);
  } catch {
    for (let dir = root; packageJson === undefined; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', name, 'package.json');
      if (existsSync(candidate)) packageJson = candidate;
      else if (dirname(dir) === dir) return undefined;
    }
  }
  // Workspaces and pnpm link packages in; the real path is the package's identity.
  return realpath(dirname(packageJson));
}

/** Reads `<dir>/package.json`; rejects when it is missing, not JSON or not an object. */
export async function readPackageJson(dir: string): Promise<PackageJson> {
  const parsed: unknown = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  if (!isRecord(parsed))
    throw new Error(`${join(dir, 'package.json')} does not hold a JSON object`);
  return parsed;
}
