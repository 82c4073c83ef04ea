import { join } from 'node:path';
import { onTestFinished } from 'vitest';
import {
  BalancerRecorder,
  createTempConfigDir,
  MemoryDiscoveryBackend,
  memoryDiscoveryPlugin,
  recordingBalancerPlugin,
  recordingLogger,
} from '@lighthouse/testing';
import type { RecordingLogger, TempDir } from '@lighthouse/testing';
import type { AnyPlugin, DiscoveryPlugin, Metrics } from '@lighthouse/core';
// The engines come from the built package, like the plugins of @lighthouse/testing, so both
// sides share one copy of core's types and brand.
import { createStaticResolver, Writer } from '@lighthouse/core/engine';
import type { WriterOptions } from '@lighthouse/core/engine';

/** A started writer on a temporary config directory, with a recording balancer. */
export interface MemoryWriter {
  backend: MemoryDiscoveryBackend;
  recorder: BalancerRecorder;
  logger: RecordingLogger;
  dir: TempDir;
  writer: Writer;
  /** The writer's state directory without writer.yaml (`<config dir>/state`). */
  stateDir: string;
}

/** What {@link startMemoryWriter} may change. */
export interface MemoryWriterOptions {
  /** Shared by the memory discovery's instances. Default: a new one. */
  backend?: MemoryDiscoveryBackend;
  /** The discovery plugin. Default: the memory discovery on `backend`. */
  discovery?: DiscoveryPlugin;
  /** More files, or replacements of the default ones. */
  files?: Record<string, string>;
  coalesce?: WriterOptions['coalesce'];
  /** Where the writer records metrics. Default: the writer's own registry. */
  metrics?: Metrics;
  /** More plugins to resolve (e.g. a second balancer). */
  plugins?: readonly AnyPlugin[];
}

/**
 * Starts a writer on `balancers/recording.yaml`, `discovery/<discovery>.yaml` and
 * `clusters/web.yaml` (recording port 8000) plus `files`. It is stopped and its directory
 * removed when the test finishes.
 */
export async function startMemoryWriter(options: MemoryWriterOptions = {}): Promise<MemoryWriter> {
  const backend = options.backend ?? new MemoryDiscoveryBackend();
  const discovery = options.discovery ?? memoryDiscoveryPlugin(backend);
  const recorder = new BalancerRecorder();
  const logger = recordingLogger();
  const dir = await createTempConfigDir({
    'balancers/recording.yaml': '{}\n',
    [`discovery/${discovery.name}.yaml`]: '{}\n',
    'clusters/web.yaml': `discovery: ${discovery.name}\nrecording:\n  port: 8000\n`,
    ...options.files,
  });
  const stateDir = join(dir.dir, 'state');
  const writer = new Writer({
    configDir: dir.dir,
    stateDir,
    resolver: createStaticResolver([
      discovery,
      recordingBalancerPlugin(recorder),
      ...(options.plugins ?? []),
    ]),
    coalesce: options.coalesce ?? { minMs: 5, maxMs: 10 },
    logger,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
  });
  onTestFinished(async () => {
    await writer.stop();
    await dir.cleanup();
  });
  await writer.start();
  return { backend, recorder, logger, dir, writer, stateDir };
}
