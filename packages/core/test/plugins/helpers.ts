import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { PluginError } from '../../src/errors.js';
import { PluginRegistry } from '../../src/plugins/index.js';

/** The committed fake projects, one directory per scenario. */
const projectsDir = realpathSync(fileURLToPath(new URL('../fixtures/projects/', import.meta.url)));

/** Real path of a fixture project (or of a file under it). */
export function project(scenario: string, ...path: string[]): string {
  return join(projectsDir, scenario, ...path);
}

/** Reads a flag a fixture plugin sets on `globalThis` when it is imported. */
export function globalFlag(name: string): unknown {
  return Reflect.get(globalThis, name);
}

/** Discovers the plugins of one fixture project. */
export async function registryFor(scenario: string): Promise<PluginRegistry> {
  return PluginRegistry.discover({ projectRoot: project(scenario) });
}

/** The `PluginError` a promise rejects with; fails the test when it resolves or throws another. */
export async function failure(promise: Promise<unknown>): Promise<PluginError> {
  const error: unknown = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  if (!(error instanceof PluginError))
    throw new Error(`expected a PluginError, got ${String(error)}`);
  return error;
}
