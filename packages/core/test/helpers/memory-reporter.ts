import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import {
  createTempConfigDir,
  MemoryDiscoveryBackend,
  memoryDiscoveryPlugin,
} from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import type { AnyPlugin } from '@lighthouse/core';
// The engines come from the built package, like the plugins of @lighthouse/testing, so both
// sides share one copy of core's types and brand.
import { createStaticResolver, Reporter } from '@lighthouse/core/engine';

/** A started reporter on a temporary config directory, with in-memory discovery. */
export interface MemoryReporter {
  backend: MemoryDiscoveryBackend;
  reporter: Reporter;
  dir: TempDir;
  /** The reporter's state directory (`<config dir>/state`). */
  stateDir: string;
}

/**
 * Starts a reporter on `files` plus `discovery/memory.yaml`, advertising app01/10.0.0.7 and
 * resolving `plugins` besides the memory discovery; `before` runs before it starts (to prepare
 * its state directory). It is stopped and its directory removed when the test finishes.
 */
export async function startMemoryReporter(
  files: Record<string, string>,
  plugins: readonly AnyPlugin[],
  before?: (stateDir: string) => Promise<unknown>,
): Promise<MemoryReporter> {
  const backend = new MemoryDiscoveryBackend();
  const dir = await createTempConfigDir({ 'discovery/memory.yaml': '{}\n', ...files });
  const stateDir = join(dir.dir, 'state');
  const reporter = new Reporter({
    configDir: dir.dir,
    stateDir,
    resolver: createStaticResolver([memoryDiscoveryPlugin(backend), ...plugins]),
    advertise: { host: 'app01', ip: '10.0.0.7' },
  });
  onTestFinished(async () => {
    await reporter.stop();
    await dir.cleanup();
  });
  await before?.(stateDir);
  await reporter.start();
  return { backend, reporter, dir, stateDir };
}
