import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '@lighthouse/testing';
import type { Node } from '@lighthouse/core';
import { askDaemon, writerSocket } from '@lighthouse/core/engine';
import type { WriterStatus } from '@lighthouse/core/engine';
import { startMemoryWriter } from '../helpers/memory-writer.js';

/** writer.yaml and the writer's control socket: what `lighthouse status` asks. */

const node = (host: string, port: number): Node => ({ host, ip: '10.0.0.1', port, metadata: {} });

describe('Writer control socket', () => {
  const start = (files: Record<string, string> = {}) => startMemoryWriter({ files });

  const ask = (stateDir: string) =>
    askDaemon(writerSocket(stateDir)) as Promise<WriterStatus | undefined>;

  it("serves its status on writer.yaml's state_dir, mode 0600, following membership", async () => {
    const { backend, recorder, dir, stateDir } = await start({
      'writer.yaml': 'state_dir: STATE\n',
    });
    // A relative state_dir is refused, so the default is in force; then a valid one applies.
    expect(await ask(stateDir)).toMatchObject({ daemon: 'writer', stateDir });
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    const state = join(dir.dir, 'configured');
    await dir.writeAtomic('writer.yaml', `state_dir: ${state}\n`);
    const status = await waitFor(() => ask(state), { what: 'the writer to answer' });
    expect((await stat(writerSocket(state))).mode & 0o777).toBe(0o600);
    expect(status).toMatchObject({
      daemon: 'writer',
      pid: process.pid,
      stateDir: state,
      clusters: [
        {
          name: 'web',
          discovery: 'memory',
          balancers: ['recording'],
          discovered: true,
          members: [],
        },
      ],
      balancers: { recording: { clusters: [{ name: 'web', members: [] }], reloads: [] } },
      discovery: { memory: { state: 'unknown' } },
    });

    backend.put('web', node('app01', 80));
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1);
    const after = await ask(state);
    expect(after?.clusters[0]?.members).toEqual([
      { name: 'app01:80', host: 'app01', ip: '10.0.0.1', port: 80 },
    ]);
    expect(after?.balancers['recording']).toMatchObject({
      clusters: [{ name: 'web', members: [{ name: 'app01:80', state: 'ready' }] }],
    });
    expect(after?.sync.count).toBeGreaterThanOrEqual(2);
    expect(Date.parse(after?.sync.lastAt ?? '')).toBeGreaterThan(Date.now() - 10_000);
    expect(after?.sync).not.toHaveProperty('error');
  });

  it('moves the socket when state_dir changes, and back to the default without the file', async () => {
    const { dir, logger, stateDir: defaults } = await start();
    expect(await ask(defaults)).toMatchObject({ daemon: 'writer', stateDir: defaults });

    const moved = join(dir.dir, 'moved');
    await dir.writeAtomic('writer.yaml', `state_dir: ${moved}\n`);
    await waitFor(() => ask(moved), { what: 'the socket in the new state directory' });
    expect(await ask(defaults)).toBeUndefined();

    await dir.writeAtomic('writer.yaml', 'state_dir: relative/path\n');
    await waitFor(
      () =>
        logger.lines.some(
          (line) => line.level === 'error' && line.message.includes('is not an absolute path'),
        ),
      { what: 'the invalid writer.yaml to be reported' },
    );
    expect(await ask(moved)).toMatchObject({ stateDir: moved });

    await dir.remove('writer.yaml');
    await waitFor(() => ask(defaults), { what: 'the socket back in the default directory' });
    expect(await ask(moved)).toBeUndefined();
  });

  it("keeps answering when a balancer's describe() throws or hangs", async () => {
    const { recorder, stateDir: state } = await start();
    recorder.describeWith(() => {
      throw new Error('admin socket gone');
    });
    const failing = await ask(state);
    expect(failing?.balancers['recording']).toEqual({ error: 'admin socket gone' });
    expect(failing?.clusters.map((cluster) => cluster.name)).toEqual(['web']);

    recorder.describeWith(() => new Promise(() => undefined));
    const started = performance.now();
    const hanging = await ask(state);
    expect(performance.now() - started).toBeLessThan(4_000);
    expect(hanging?.balancers['recording']).toEqual({
      error: 'describe() did not answer within 2000 ms',
    });
    expect(hanging?.sync.count).toBeGreaterThanOrEqual(1);
  });

  it('reports the error of a failed sync until a sync succeeds', async () => {
    const { backend, recorder, stateDir: state } = await start();
    await recorder.waitFor((clusters) => clusters[0]?.discovered === true);
    recorder.failNext(new Error('reload refused'));
    backend.put('web', node('app01', 80));
    await waitFor(async () => (await ask(state))?.sync.failures === 1, {
      what: 'the failed sync',
    });
    expect((await ask(state))?.sync.error).toContain('reload refused');
    await recorder.waitFor((clusters) => clusters[0]?.nodes.length === 1);
    await waitFor(async () => (await ask(state))?.sync.error === undefined, {
      what: 'the retried sync',
    });
  });
});
