// Benchmark of the haproxy balancer (built output in dist/; run `npx tsc -b` first). Prints one
// JSON object: render time and RSS for 1,000 clusters × 10 nodes, sync → `show servers state`
// latency for membership changes against a real HAProxy, and the reloads those changes caused.
// Usage: node bench/haproxy-balancer.bench.mjs   (needs haproxy on PATH)
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { silentLogger } from '@lighthouse/core';
// The balancer's internals, which its package does not export: imported from the build.
import { balancerPaths, createBalancer } from '../packages/haproxy-balancer/dist/balancer.js';
import { renderConfig } from '../packages/haproxy-balancer/dist/render.js';
import { MasterCli } from '../packages/haproxy-balancer/dist/runtime/master-cli.js';
import { RuntimeApi } from '../packages/haproxy-balancer/dist/runtime/runtime-api.js';
import { percentile } from './percentile.mjs';

const RENDER_RUNS = 50;
const LATENCY_CHANGES = 200;
const MEMBERSHIP_CHANGES = 1_000;
const LARGE_LATENCY_CHANGES = 100;

if (spawnSync('haproxy', ['-v']).error !== undefined) {
  console.error('haproxy not found: apt-get install haproxy');
  process.exit(1);
}

const round = (ms) => Math.round(ms * 1000) / 1000;

function node(cluster, index) {
  return { host: `h${cluster}-${index}`, ip: '127.0.0.1', port: 20_000 + index, metadata: {} };
}

function topology(clusterCount, nodesPer) {
  return Array.from({ length: clusterCount }, (_, c) => ({
    name: `c${c}`,
    config: {},
    discovered: true,
    nodes: Array.from({ length: nodesPer }, (_, n) => node(c, n)),
  }));
}

function configIn(dir) {
  return {
    config_file: join(dir, 'haproxy.cfg'),
    socket_file: join(dir, 'admin.sock'),
    pid_file: join(dir, 'haproxy.pid'),
    global: ['hard-stop-after 5s'],
    defaults: ['mode http', 'balance roundrobin'],
    restart_interval: 0,
  };
}

async function stop(config) {
  const pid = Number((await readFile(config.pid_file, 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return;
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (cmdline.split('\0').includes(config.config_file)) process.kill(pid, 'SIGTERM');
}

function measureRender() {
  const config = configIn('/tmp/lighthouse-bench');
  const times = [];
  for (let i = 0; i < RENDER_RUNS; i++) {
    // New node objects each run: the renderer remembers each node's server line by object, so
    // rendering the same ones again would not be a full render.
    const clusters = topology(1_000, 10);
    const started = performance.now();
    renderConfig(config, clusters);
    times.push(performance.now() - started);
  }
  return {
    clusters: 1_000,
    nodesPerCluster: 10,
    runs: RENDER_RUNS,
    p50Ms: round(percentile(times, 50)),
    p99Ms: round(percentile(times, 99)),
    rssMB: Math.round(process.memoryUsage().rss / 1024 / 1024),
  };
}

/**
 * Alternately adds and removes one node of cluster c0. For each change: `visible` is the time from
 * calling sync() until a second admin connection sees it in `show servers state` (polled while
 * sync runs), `done` the time until sync() resolved (after the dual-write of haproxy.cfg and the
 * outage cache, each fsynced). Also returns the reloads HAProxy counted meanwhile.
 */
async function measureSync(clusterCount, changes) {
  const dir = await mkdtemp(join(tmpdir(), 'lh-bench-'));
  const config = configIn(dir);
  try {
    const balancer = await createBalancer(config, silentLogger);
    const base = topology(clusterCount, 10);
    await balancer.sync(base);
    const runtime = new RuntimeApi(config.socket_file);
    const master = new MasterCli(balancerPaths(config).masterSocket);
    const before = (await master.showProc()).reloads;
    const extra = node(0, 10);
    const visible = [];
    const done = [];
    for (let i = 0; i < changes; i++) {
      const adding = i % 2 === 0;
      const clusters = adding
        ? [{ ...base[0], nodes: [...base[0].nodes, extra] }, ...base.slice(1)]
        : base;
      const started = performance.now();
      let finished = false;
      const syncing = balancer.sync(clusters).then(() => (finished = true));
      for (;;) {
        // Whether sync() had resolved before this look began: a look that began earlier may
        // rightly miss the change.
        const settled = finished;
        const servers = await runtime.showServersState('c0');
        const present = servers.some((s) => s.server === `${extra.host}:${extra.port}`);
        if (present === adding) break;
        if (settled) throw new Error('sync() resolved but the change is not visible');
      }
      visible.push(performance.now() - started);
      await syncing;
      done.push(performance.now() - started);
    }
    const reloads = (await master.showProc()).reloads - before;
    runtime.reset();
    await balancer.close();
    return { visible, done, reloads };
  } finally {
    await stop(config);
    await rm(dir, { recursive: true, force: true });
  }
}

const render = measureRender();
const small = await measureSync(10, Math.max(LATENCY_CHANGES, MEMBERSHIP_CHANGES));
const large = await measureSync(1_000, LARGE_LATENCY_CHANGES);
const stats = (values) => ({
  p50Ms: round(percentile(values, 50)),
  p99Ms: round(percentile(values, 99)),
});

console.log(
  JSON.stringify({
    benchmark: 'haproxy-balancer',
    haproxy: spawnSync('haproxy', ['-v'], { encoding: 'utf8' }).stdout.split('\n')[0],
    // Issue 10's goals: a full render of 1,000 × 10 within 50 ms, the writer under 100 MB.
    render: { ...render, targets: { p99Ms: 50, rssMB: 100 } },
    syncToVisible: {
      topology: '10 clusters x 10 nodes',
      changes: LATENCY_CHANGES,
      ...stats(small.visible.slice(0, LATENCY_CHANGES)),
      syncResolved: stats(small.done.slice(0, LATENCY_CHANGES)),
      target: { p99Ms: 5 },
    },
    syncToVisibleLarge: {
      topology: '1000 clusters x 10 nodes',
      changes: LARGE_LATENCY_CHANGES,
      ...stats(large.visible),
      syncResolved: stats(large.done),
      // O(change): the same as a small config (issue 10).
      target: { p99Ms: 10 },
    },
    reloads: {
      membershipChanges: small.done.length,
      reloads: small.reloads,
      largeTopologyChanges: LARGE_LATENCY_CHANGES,
      largeTopologyReloads: large.reloads,
      target: 0,
    },
  }),
);
