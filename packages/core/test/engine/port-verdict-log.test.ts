import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import Type from 'typebox';
import {
  createTempConfigDir,
  MemoryDiscoveryBackend,
  memoryDiscoveryPlugin,
  recordingLogger,
  waitFor,
} from '@lighthouse/testing';
import type { RecordingLogger } from '@lighthouse/testing';
// Core from the built package, like the plugins of @lighthouse/testing (one copy of the brand).
import { defineCheck } from '@lighthouse/core';
import { createStaticResolver, Reporter } from '@lighthouse/core/engine';

/**
 * What an operator sees at the default level about a port's health: its first verdict and each
 * change of it, once, with the check and its reason — never a line per check run.
 */

type Answer = { ok: boolean; reason?: string };

/** Checks `redis` and `tcp` whose answer per (check, port) the test sets, counting runs. */
function scriptedChecks() {
  const answers = new Map<string, Answer>();
  let runs = 0;
  const define = (name: string) =>
    defineCheck({
      name,
      configSchema: Type.Object({}),
      create: (_config, context) => ({
        perform: async () => {
          runs += 1;
          return answers.get(`${name} ${context.target.port}`) ?? { ok: true };
        },
      }),
    });
  return {
    plugins: [define('redis'), define('tcp')],
    set: (check: string, port: number, answer: Answer) => answers.set(`${check} ${port}`, answer),
    runs: () => runs,
  };
}

const checkSection = (name: string, rise = 2, fall = 2) =>
  `  ${name}:\n    rise: ${rise}\n    fall: ${fall}\n`;

const cacheService = (checks: string) =>
  `discovery: memory\nport: 6379\nchecks:\n  interval: 0.01\n${checks}`;

async function startReporter(
  service: string,
  prepare: (checks: ReturnType<typeof scriptedChecks>) => void = () => undefined,
) {
  const checks = scriptedChecks();
  prepare(checks);
  const logger = recordingLogger();
  const dir = await createTempConfigDir({
    'discovery/memory.yaml': '{}\n',
    'services/cache.yaml': service,
  });
  const reporter = new Reporter({
    configDir: dir.dir,
    stateDir: join(dir.dir, 'state'),
    resolver: createStaticResolver([
      memoryDiscoveryPlugin(new MemoryDiscoveryBackend()),
      ...checks.plugins,
    ]),
    advertise: { host: 'app01', ip: '10.0.0.7' },
    logger,
  });
  onTestFinished(async () => {
    await reporter.stop();
    await dir.cleanup();
  });
  await reporter.start();
  return { checks, logger };
}

/** The port's verdict lines, as `level message`. */
const verdicts = (logger: RecordingLogger): string[] =>
  logger.lines
    .filter((line) => /^cache:6379 (un)?healthy\b/.test(line.message))
    .map((line) => `${line.level} ${line.message}`);

/** The per-check lines (a check turned without changing the port's verdict). */
const turns = (logger: RecordingLogger): string[] =>
  logger.lines
    .filter((line) => /^check (passed|failed) /.test(line.message))
    .map((line) => `${line.level} ${String(line.fields['check'])}: ${line.message}`);

/** Lets the checks run `count` more times, so a line per run would show. */
async function moreRuns(checks: ReturnType<typeof scriptedChecks>, count = 10): Promise<void> {
  const target = checks.runs() + count;
  await waitFor(() => checks.runs() >= target, { what: `${count} more check runs` });
}

describe('Reporter: a port verdict at the default log level', () => {
  it('logs a port failing from the start once, with the check and its reason', async () => {
    const { checks, logger } = await startReporter(cacheService(checkSection('redis')), (c) =>
      c.set('redis', 6379, { ok: false, reason: 'connection refused' }),
    );
    await waitFor(() => verdicts(logger).length > 0, { what: 'the first verdict' });
    await moreRuns(checks);
    expect(verdicts(logger)).toEqual(['warn cache:6379 unhealthy: redis -> connection refused']);
    const [line] = logger.lines.filter((one) => one.message.startsWith('cache:6379'));
    expect(line?.fields).toEqual({
      service: 'cache',
      port: 6379,
      healthy: false,
      check: 'redis',
      reason: 'connection refused',
    });

    // Recovery, then failure again: one line per change of verdict, not per run.
    checks.set('redis', 6379, { ok: true });
    await waitFor(() => verdicts(logger).length === 2, { what: 'the port to become healthy' });
    await moreRuns(checks);
    checks.set('redis', 6379, { ok: false, reason: 'timed out after 1000 ms' });
    await waitFor(() => verdicts(logger).length === 3, { what: 'the port to fail again' });
    await moreRuns(checks);
    expect(verdicts(logger)).toEqual([
      'warn cache:6379 unhealthy: redis -> connection refused',
      'info cache:6379 healthy: redis -> ok',
      'warn cache:6379 unhealthy: redis -> timed out after 1000 ms',
    ]);
    expect(turns(logger)).toEqual([]);
  });

  it('says nothing while a port is coming up (rise not reached), then healthy once', async () => {
    const { checks, logger } = await startReporter(cacheService(checkSection('redis', 3)));
    await waitFor(() => verdicts(logger).length > 0, { what: 'the first verdict' });
    await moreRuns(checks);
    expect(verdicts(logger)).toEqual(['info cache:6379 healthy: redis -> ok']);
    expect(logger.matching('info', 'registered')).toHaveLength(1);
  });

  it('names the check that changed the verdict; a check turning later gets its own line', async () => {
    const { checks, logger } = await startReporter(
      cacheService(checkSection('redis', 1, 1) + checkSection('tcp', 1, 1)),
    );
    await waitFor(() => verdicts(logger).length === 1, { what: 'the port to become healthy' });
    expect(verdicts(logger)).toEqual(['info cache:6379 healthy: redis -> ok; tcp -> ok']);

    checks.set('redis', 6379, { ok: false, reason: 'LOADING Redis is loading the dataset' });
    await waitFor(() => verdicts(logger).length === 2, { what: 'the port to fail' });
    checks.set('tcp', 6379, { ok: false, reason: 'connection refused' });
    await waitFor(() => turns(logger).length === 1, { what: 'tcp to fail too' });
    await moreRuns(checks);
    expect(verdicts(logger)).toEqual([
      'info cache:6379 healthy: redis -> ok; tcp -> ok',
      'warn cache:6379 unhealthy: redis -> LOADING Redis is loading the dataset',
    ]);
    expect(turns(logger)).toEqual(['warn tcp: check failed 1 time(s), no longer passing']);
  });
});
