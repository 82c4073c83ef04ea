import { readFile } from 'node:fs/promises';
import type { Balancer, Node } from '@lighthouse/core';
import { freePort, waitFor } from '@lighthouse/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBalancer } from '../../src/balancer.js';
import type { HAProxyClusterConfig } from '../../src/schema.js';
import {
  cluster,
  createFixture,
  recordingLogger,
  requireHAProxy,
  startBackends,
} from './harness.js';
import type { Fixture, NamedBackend } from './harness.js';

/**
 * lighthouse 1.0 reporters advertise each node's own peer (its host name, its IP, port 1024).
 * With them in the fleet, membership must still never wait for a reload: peers are rendered only
 * for a cluster whose config references them, and a change of peers alone is applied by one
 * delayed reload that the changes meanwhile share.
 */

let backends: NamedBackend[];
/** The peers' port: the local one (node0's) is bound by HAProxy, so it must be free. */
let peerPort: number;
let fixture: Fixture | undefined;
let balancer: Balancer<HAProxyClusterConfig> | undefined;

beforeAll(async () => {
  requireHAProxy();
  backends = await startBackends(['a']);
  peerPort = await freePort();
});

afterEach(async () => {
  await balancer?.close?.();
  await fixture?.cleanup();
  balancer = undefined;
  fixture = undefined;
});

afterAll(async () => {
  for (const backend of backends ?? []) await backend.close();
});

/** Node `i`: the test backend's address under another name, advertising its own peer. */
function peerNode(i: number): Node {
  const base = backends[0]!.node;
  return {
    host: `node${i}`,
    ip: `127.0.0.${i + 2}`,
    port: base.port,
    metadata: {},
    peer: { name: `node${i}`, ip: `127.0.0.${i + 2}`, port: peerPort },
  };
}

async function start(extra: Parameters<typeof createFixture>[0] = {}) {
  fixture = await createFixture(extra);
  balancer = await createBalancer(fixture.config, recordingLogger());
  return { fixture, balancer, port: await freePort() };
}

/** Adds nodes 0..n-1 one by one, then removes them one by one; checks each right after sync. */
async function churn(
  f: Fixture,
  b: Balancer<HAProxyClusterConfig>,
  port: number,
  backendLines: string[],
  n: number,
): Promise<void> {
  const sync = (count: number, from = 0) =>
    b.sync([
      cluster(
        'web',
        { port, backend: backendLines },
        Array.from({ length: count - from }, (_, i) => peerNode(from + i)),
      ),
    ]);
  for (let count = 1; count <= n; count++) {
    await sync(count);
    // Visible as soon as sync returns: no reload was waited for.
    expect((await f.servers('web')).map((s) => s.server)).toContain(
      `node${count - 1}:${backends[0]!.port}`,
    );
  }
  for (let from = 1; from <= n; from++) {
    await sync(n, from);
    expect((await f.servers('web')).map((s) => s.server)).not.toContain(
      `node${from - 1}:${backends[0]!.port}`,
    );
  }
}

describe('peers advertised by every node', () => {
  it('cause no reload and no peers section when no stick-table references them', async () => {
    const { fixture: f, balancer: b, port } = await start();
    await b.sync([cluster('web', { port }, [])]);
    const reloads = await f.reloads();
    await churn(f, b, port, [], 20);
    expect(await f.reloads()).toBe(reloads);
    await b.flush?.(); // the file is written in the background
    expect(await readFile(f.config.config_file, 'utf8')).not.toMatch(/^peers /m);
  });

  it('change membership at runtime at once, and the peers by one delayed, shared reload', async () => {
    const {
      fixture: f,
      balancer: b,
      port,
    } = await start({
      peer_name: 'node0',
      peer_address: `127.0.0.1:${await freePort()}`,
      peers_reload_delay: 1,
    });
    const table = ['stick-table type ip size 1k peers web', 'stick on src'];
    await b.sync([cluster('web', { port, backend: table }, [])]);
    const reloads = await f.reloads();
    await churn(f, b, port, table, 5);
    await b.sync([cluster('web', { port, backend: table }, [peerNode(0), peerNode(1)])]);
    // The burst took no reload of its own: membership went through the runtime API.
    expect(await f.reloads()).toBe(reloads);

    // One reload after the delay applies the latest peers; the file says so.
    await waitFor(async () => (await f.reloads()) === reloads + 1, {
      what: 'the delayed reload for the peers',
      timeoutMs: 5_000,
      intervalMs: 50,
    });
    await b.flush?.(); // the file is written in the background
    const text = await readFile(f.config.config_file, 'utf8');
    expect(text).toMatch(/^ {4}localpeer node0$/m);
    expect(text).toContain(
      `peers web\n    peer node0 127.0.0.2:${peerPort}\n    peer node1 127.0.0.3:${peerPort}\n`,
    );
    // Nothing more to apply: no further reload.
    await b.sync([cluster('web', { port, backend: table }, [peerNode(0), peerNode(1)])]);
    expect(await f.reloads()).toBe(reloads + 1);
  });
});
