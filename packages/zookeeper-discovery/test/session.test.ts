import { encodeNode } from '@lighthouse/core';
import { waitFor } from '@lighthouse/testing';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '@lighthouse/testing';
import { startZooKeeper, startZooKeeperEnsemble, zooKeeperCommand } from '@lighthouse/testing';
import type { ZooKeeperEnsemble, ZooKeeperServer } from '@lighthouse/testing';
import {
  closeAll,
  CuttableProxy,
  discoveryFor,
  messages,
  node,
  otherClient,
  Recorder,
  uniqueBase,
} from './support.js';

let zk: ZooKeeperServer | undefined;
let ensemble: ZooKeeperEnsemble | undefined;
afterEach(async () => {
  await closeAll();
  await zk?.stop();
  await ensemble?.stop();
  zk = undefined;
  ensemble = undefined;
});

describe('session', () => {
  it('connect() rejects within the session timeout when no server answers', async () => {
    const port = await freePort();
    const { discovery } = discoveryFor({
      hosts: [`127.0.0.1:${port}`],
      path: '/x',
      session_timeout: 1,
    });
    const started = Date.now();
    await expect(discovery.connect()).rejects.toThrow(/no ZooKeeper session/);
    expect(Date.now() - started).toBeLessThan(3_000);
  });

  it('re-registers under a new session after expiry (1.0 never did: B10)', async () => {
    // tickTime 500 lets the server grant a 1 s session. Cutting the clients off (a proxy drops
    // their connections) for longer than that makes the server expire both sessions — checked
    // on the server itself — before the clients may reconnect and learn it.
    zk = await startZooKeeper({ tickTime: 500, minSessionTimeout: 1_000 });
    const server = zk;
    const proxy = await CuttableProxy.start(server.port);
    onTestFinished(() => proxy.close());
    const base = uniqueBase();
    const config = { hosts: [proxy.connectString], path: base, session_timeout: 1 };
    const { discovery, lines } = discoveryFor(config);
    const writer = discoveryFor(config).discovery;
    await Promise.all([discovery.connect(), writer.connect()]);
    const path = `${base}/web/host-a:8080`;
    await discovery.publish([{ service: 'web', node: node('host-a', 8080) }]);
    const recorder = new Recorder();
    await writer.watch('web', recorder.listener);
    const oldSession = discovery.session.sessionId ?? expect.unreachable();
    const oldWriterSession = writer.session.sessionId ?? expect.unreachable();

    // `dump` lists the server's live sessions: both are there before the cut.
    expect(await zooKeeperCommand(server.port, 'dump')).toContain(oldWriterSession);
    proxy.sever();
    await waitFor(
      async () => {
        const sessions = await zooKeeperCommand(server.port, 'dump');
        return !sessions.includes(oldSession) && !sessions.includes(oldWriterSession);
      },
      { what: 'the server to expire both sessions', timeoutMs: 10_000, intervalMs: 100 },
    );
    proxy.restore();

    await waitFor(() => discovery.session.state === 'CONNECTED', {
      what: 'a new session',
      timeoutMs: 10_000,
    });
    expect(discovery.session.sessionId).not.toBe(oldSession);
    const reader = await otherClient(server.connectString);
    const stat = await waitFor(
      async () => {
        const found = await reader.exists(path);
        return found?.ephemeralOwner === discovery.session.sessionId ? found : undefined;
      },
      { what: 'the znode under the new session', timeoutMs: 10_000 },
    );
    expect(stat.ephemeralOwner).not.toBe(oldSession);
    expect((await reader.get(path)).data.toString()).toBe(encodeNode(node('host-a', 8080)));
    expect(messages(lines)).toContain('new ZooKeeper session: re-registering 1 nodes');

    // The writer's session expired too: it re-read the cluster and re-armed its watches.
    await waitFor(() => writer.session.state === 'CONNECTED', {
      what: 'the writer',
      timeoutMs: 10_000,
    });
    expect(writer.session.sessionId).not.toBe(oldWriterSession);
    await discovery.publish([
      { service: 'web', node: node('host-a', 8080) },
      { service: 'web', node: node('host-b', 8080) },
    ]);
    await recorder.until((nodes) => nodes.length === 2, 'both members after the expiry');
  });

  it('keeps the session and never reports an empty set across a ZooKeeper restart', async () => {
    zk = await startZooKeeper(); // tickTime 2000: a 10 s session outlives a restart
    const base = uniqueBase();
    const reporter = discoveryFor({ hosts: [zk.connectString], path: base }).discovery;
    const writer = discoveryFor({ hosts: [zk.connectString], path: base }).discovery;
    await Promise.all([reporter.connect(), writer.connect()]);
    await reporter.publish([
      { service: 'web', node: node('host-a', 80) },
      { service: 'web', node: node('host-b', 80) },
    ]);
    const recorder = new Recorder();
    await writer.watch('web', recorder.listener);
    expect(recorder.names()).toEqual(['host-a:80', 'host-b:80']);
    const sessions = [reporter.session.sessionId, writer.session.sessionId];

    await zk.restart();
    await waitFor(
      () => writer.session.state === 'CONNECTED' && reporter.session.state === 'CONNECTED',
      {
        what: 'both to reconnect',
        timeoutMs: 15_000,
      },
    );
    expect([reporter.session.sessionId, writer.session.sessionId]).toEqual(sessions);

    // The watches survived: a change after the restart is delivered.
    await reporter.publish([
      { service: 'web', node: node('host-a', 80) },
      { service: 'web', node: node('host-b', 80) },
      { service: 'web', node: node('host-c', 80) },
    ]);
    await recorder.until((nodes) => nodes.length === 3, 'the member added after the restart');
    expect(recorder.sets.every((set) => set.length > 0)).toBe(true);
  });

  it('fails over inside a 3-node ensemble without losing registrations or watches', async () => {
    ensemble = await startZooKeeperEnsemble(3, { tickTime: 500 });
    const base = uniqueBase();
    const config = { hosts: ensemble.connectString.split(','), path: base, session_timeout: 5 };
    const reporter = discoveryFor(config).discovery;
    const writer = discoveryFor(config).discovery;
    await Promise.all([reporter.connect(), writer.connect()]);
    await reporter.publish([{ service: 'web', node: node('host-a', 80) }]);
    const recorder = new Recorder();
    await writer.watch('web', recorder.listener);
    const sessions = [reporter.session.sessionId, writer.session.sessionId];

    const leader = await ensemble.leader();
    await leader.stop();
    await ensemble.leader(); // a new one is elected among the remaining two

    await waitFor(
      async () => {
        try {
          await reporter.publish([
            { service: 'web', node: node('host-a', 80) },
            { service: 'web', node: node('host-b', 80) },
          ]);
          return true;
        } catch {
          return false; // still reconnecting to a surviving member
        }
      },
      { what: 'a registration after the failover', timeoutMs: 15_000 },
    );
    await recorder.until(
      (nodes) => nodes.length === 2,
      'the member added after the failover',
      15_000,
    );
    expect([reporter.session.sessionId, writer.session.sessionId]).toEqual(sessions);
    expect(recorder.sets.every((set) => set.length > 0)).toBe(true);
    await leader.start();
  });
});
