import { readFile } from 'node:fs/promises';
import { encodeNode } from '@lighthouse/core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startZooKeeper } from '@lighthouse/testing';
import type { ZooKeeperServer } from '@lighthouse/testing';
import type { ZooKeeperSession } from '../src/session.js';
import {
  closeAll,
  createPath,
  discoveryFor,
  node,
  otherClient,
  Recorder,
  uniqueBase,
} from './support.js';

const fixture = new URL('./fixtures/lighthouse-1.0-node.txt', import.meta.url);

let zk: ZooKeeperServer;
beforeAll(async () => {
  zk = await startZooKeeper();
});
afterAll(async () => {
  await zk?.stop();
});
afterEach(closeAll);

/** A connected writer-side discovery, a writer client for the test, and a fresh base path. */
async function setup() {
  const base = uniqueBase();
  const { discovery, lines } = discoveryFor({ hosts: [zk.connectString], path: base });
  await discovery.connect();
  const writer = await otherClient(zk.connectString);
  return { discovery, lines, base, writer };
}

/** Adds a member the way a reporter does (payload from the codec) as a persistent znode. */
async function addMember(
  writer: ZooKeeperSession,
  clusterPath: string,
  host: string,
  port: number,
) {
  await writer.create(
    `${clusterPath}/${host}:${port}`,
    Buffer.from(encodeNode(node(host, port))),
    false,
  );
}

describe('watch', () => {
  it('reads a payload in lighthouse 1.0 format (metadata and peer as JSON strings)', async () => {
    const { discovery, base, writer } = await setup();
    await createPath(writer, `${base}/webapp/localhost:28101`, await readFile(fixture, 'utf8'));
    const recorder = new Recorder();
    await discovery.watch('webapp', recorder.listener);
    // The initial set is delivered before watch() resolves.
    expect(recorder.sets).toEqual([
      [
        {
          host: 'localhost',
          ip: '127.0.0.1',
          port: 28101,
          metadata: { role: 'primary' },
          peer: { ip: '127.0.0.1', name: 'localhost', port: 1024 },
        },
      ],
    ]);
  });

  it('sees members added, removed and their metadata changed, one delivery per burst', async () => {
    const { discovery, base, writer } = await setup();
    await createPath(writer, `${base}/web`);
    const recorder = new Recorder();
    await discovery.watch('web', recorder.listener);
    expect(recorder.sets).toEqual([[]]);

    const burst = ['a', 'b', 'c', 'd', 'e'];
    await Promise.all(burst.map((host) => addMember(writer, `${base}/web`, host, 80)));
    await recorder.until((nodes) => nodes.length === 5, 'five members');
    // Five creates in one burst reach the listener as one delivery (two at worst, never five).
    expect(recorder.sets.length - 1).toBeLessThanOrEqual(2);

    const metadata = { weight: 42, maintenance: false };
    await writer.set(`${base}/web/c:80`, Buffer.from(encodeNode(node('c', 80, metadata))), -1);
    const updated = await recorder.until(
      (nodes) => nodes.find((item) => item.host === 'c')?.metadata['weight'] === 42,
      'the metadata change',
    );
    expect(updated.find((item) => item.host === 'c')?.metadata).toEqual(metadata);

    await writer.delete(`${base}/web/a:80`, -1);
    await recorder.until((nodes) => nodes.length === 4, 'a member to leave');
    expect(recorder.names()).toEqual(['b:80', 'c:80', 'd:80', 'e:80']);
  });

  it('sees a cluster created after watch() started, without polling delay', async () => {
    const { discovery, base, writer } = await setup();
    const recorder = new Recorder();
    await discovery.watch('late', recorder.listener);
    expect(recorder.sets).toEqual([[]]); // the cluster does not exist: no members (the truth)

    const started = Date.now();
    await createPath(writer, `${base}/late/host-a:80`, encodeNode(node('host-a', 80)));
    await recorder.until((nodes) => nodes.length === 1, 'the new cluster', 500);
    expect(Date.now() - started).toBeLessThan(500); // 1.0 polled every 2 s
  });

  it('keeps watching when the cluster znode is deleted and created again', async () => {
    const { discovery, base, writer } = await setup();
    await createPath(writer, `${base}/web/host-a:80`, encodeNode(node('host-a', 80)));
    const recorder = new Recorder();
    await discovery.watch('web', recorder.listener);
    expect(recorder.names()).toEqual(['host-a:80']);

    await writer.delete(`${base}/web/host-a:80`, -1);
    await writer.delete(`${base}/web`, -1);
    await recorder.until((nodes) => nodes.length === 0, 'the cluster to empty');

    await createPath(writer, `${base}/web/host-b:80`, encodeNode(node('host-b', 80)));
    await recorder.until((nodes) => nodes.length === 1, 'the re-created cluster');
    expect(recorder.names()).toEqual(['host-b:80']);
  });

  it('skips malformed children (with a log line naming them) and reports the others', async () => {
    const { discovery, base, writer, lines } = await setup();
    await createPath(writer, `${base}/web/good:80`, encodeNode(node('good', 80)));
    await writer.create(`${base}/web/garbage:80`, Buffer.from('not json at all'), false);
    const newline = JSON.stringify({ host: 'evil\nhost', ip: '127.0.0.1', port: 81 });
    await writer.create(`${base}/web/evil:81`, Buffer.from(newline), false);
    const recorder = new Recorder();
    await discovery.watch('web', recorder.listener);
    expect(recorder.names()).toEqual(['good:80']);

    const skipped = lines
      .map((line) => JSON.parse(line) as { msg: string; znode?: string; reason?: string })
      .filter((entry) => entry.msg === 'skipping malformed znode');
    expect(skipped.map((entry) => entry.znode).sort()).toEqual([
      `${base}/web/evil:81`,
      `${base}/web/garbage:80`,
    ]);
    expect(skipped.find((entry) => entry.znode?.endsWith('evil:81'))?.reason).toMatch(/host/);

    // Fixing a malformed payload later brings the member in.
    await writer.set(`${base}/web/garbage:80`, Buffer.from(encodeNode(node('garbage', 80))), -1);
    await recorder.until((nodes) => nodes.length === 2, 'the repaired member');
  });

  it('reads a constant number of znodes per change, whatever the cluster size', async () => {
    const { discovery, base, writer } = await setup();
    await createPath(writer, `${base}/big`);
    await Promise.all(
      Array.from({ length: 200 }, (_, index) =>
        addMember(writer, `${base}/big`, `host-${index}`, 80),
      ),
    );
    const recorder = new Recorder();
    await discovery.watch('big', recorder.listener);
    expect(recorder.sets.at(-1)).toHaveLength(200);

    const gets = vi.spyOn(discovery.session, 'get');
    await addMember(writer, `${base}/big`, 'newcomer', 80);
    await recorder.until((nodes) => nodes.length === 201, 'the 201st member');
    expect(gets.mock.calls.length).toBeLessThanOrEqual(3);
    expect(gets.mock.calls.map(([path]) => path)).toContain(`${base}/big/newcomer:80`);

    gets.mockClear();
    await writer.set(
      `${base}/big/host-7:80`,
      Buffer.from(encodeNode(node('host-7', 80, { w: 5 }))),
      -1,
    );
    await recorder.until(
      (nodes) => nodes.some((item) => item.host === 'host-7' && item.metadata['w'] === 5),
      'the data change',
    );
    expect(gets.mock.calls.map(([path]) => path)).toEqual([`${base}/big/host-7:80`]);
  });

  it('replaces the listener on a second watch() and stops calling after unwatch()', async () => {
    const { discovery, base, writer } = await setup();
    await createPath(writer, `${base}/web/host-a:80`, encodeNode(node('host-a', 80)));
    const first = new Recorder();
    const second = new Recorder();
    await discovery.watch('web', first.listener);
    await discovery.watch('web', second.listener);
    expect(second.names()).toEqual(['host-a:80']); // the replacement hears the current set at once

    await addMember(writer, `${base}/web`, 'host-b', 80);
    await second.until((nodes) => nodes.length === 2, 'the second listener');
    expect(first.sets).toHaveLength(1);

    await discovery.unwatch('web');
    const delivered = second.sets.length;
    await addMember(writer, `${base}/web`, 'host-c', 80);
    await writer.set(
      `${base}/web/host-a:80`,
      Buffer.from(encodeNode(node('host-a', 80, { x: 1 }))),
      -1,
    );
    // Asserting an absence: the events above reach a live watch within milliseconds (see the
    // other tests), so a quiet period of 300 ms is ample for a stale callback to show up.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(second.sets).toHaveLength(delivered);
  });

  it('starts a watch registered before the first session once connected', async () => {
    const base = uniqueBase();
    const writer = await otherClient(zk.connectString);
    await createPath(writer, `${base}/web/host-a:80`, encodeNode(node('host-a', 80)));
    const { discovery } = discoveryFor({ hosts: [zk.connectString], path: base });
    const recorder = new Recorder();
    await discovery.watch('web', recorder.listener);
    expect(recorder.sets).toEqual([]);
    await discovery.connect();
    await recorder.until((nodes) => nodes.length === 1, 'the first delivery');
  });
});
