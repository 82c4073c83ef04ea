// The bins of @lighthouse/cli, with this package's dependencies (every first-party plugin) added
// to the plugins the project provides, so a global install of @lighthouse/all has them all.
import { fileURLToPath } from 'node:url';
import { runBin } from '@lighthouse/cli';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** Runs `bin` of the CLI over the process's arguments; sets process.exitCode. */
export function run(bin) {
  return runBin(bin, { pluginPackageDirs: [packageDir] });
}
