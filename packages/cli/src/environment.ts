import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';
import { PluginRegistry } from '@lighthouse/core/engine';
import type { CommandInput } from './command.js';

/** This package's directory (for its version). */
export const cliPackageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The project this CLI is installed in (`/opt/lighthouse` for
 * `/opt/lighthouse/node_modules/@lighthouse/cli`), if that has a package.json: the deployment
 * whose plugins to use when the config directory has no project of its own. Undefined in a
 * checkout (no node_modules above) and in a bare global install (no package.json above it).
 */
export function installingProject(packageDir = cliPackageDir): string | undefined {
  for (let dir = packageDir; dirname(dir) !== dir; dir = dirname(dir)) {
    if (basename(dir) !== 'node_modules') continue;
    const project = dirname(dir);
    return existsSync(join(project, 'package.json')) ? project : undefined;
  }
  return undefined;
}

/** Resolves the config directory argument and insists that it exists and is a directory. */
export async function configDirectory(argument: string): Promise<string> {
  const dir = resolve(argument);
  const info = await stat(dir).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new ConfigError([
      {
        file: argument,
        pointer: '',
        message: info === undefined ? 'config directory does not exist' : 'not a directory',
      },
    ]);
  }
  return dir;
}

/**
 * Plugins for a command: the dependencies of the project (`--root` when given, else the nearest
 * package.json at or above `configDir`, else the deployment this CLI is installed in), then
 * those of `input.pluginPackageDirs` (a distribution such as @lighthouse/all passes its own
 * directory). The CLI itself depends on core only, so
 * which plugins exist is the installer's choice.
 */
export function commandPlugins(
  input: Pick<CommandInput, 'values' | 'pluginPackageDirs'>,
  configDir?: string,
  log?: Logger,
): Promise<PluginRegistry> {
  const root = input.values['root'];
  const fallbackProjectRoot = installingProject();
  return PluginRegistry.discover({
    ...(typeof root === 'string' ? { projectRoot: resolve(root) } : {}),
    ...(configDir === undefined ? {} : { configDir }),
    ...(fallbackProjectRoot === undefined ? {} : { fallbackProjectRoot }),
    selfPackageDirs: input.pluginPackageDirs,
    ...(log === undefined ? {} : { log }),
  });
}
