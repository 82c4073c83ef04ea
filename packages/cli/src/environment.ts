import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '@lighthouse/core';
import type { Logger } from '@lighthouse/core';
import { PluginRegistry } from '@lighthouse/core/engine';

/** This package's directory: its dependencies are the first-party plugins always available. */
export const cliPackageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

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

/** Discovers plugins for a config directory: the project's dependencies, then the CLI's own. */
export function discoverPlugins(options: {
  configDir?: string;
  root?: string;
  log?: Logger;
}): Promise<PluginRegistry> {
  return PluginRegistry.discover({
    ...(options.root === undefined ? {} : { projectRoot: resolve(options.root) }),
    ...(options.configDir === undefined ? {} : { configDir: options.configDir }),
    selfPackageDirs: [cliPackageDir],
    ...(options.log === undefined ? {} : { log: options.log }),
  });
}

/** Plugins for a command: `--root` when given, else the project above `configDir`. */
export function commandPlugins(
  values: Record<string, unknown>,
  configDir?: string,
  log?: Logger,
): Promise<PluginRegistry> {
  const root = values['root'];
  return discoverPlugins({
    ...(configDir === undefined ? {} : { configDir }),
    ...(typeof root === 'string' ? { root } : {}),
    ...(log === undefined ? {} : { log }),
  });
}
