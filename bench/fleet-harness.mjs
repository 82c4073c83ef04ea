// A fleet on one machine (issue 10): a 3-node ZooKeeper ensemble, `writers` real `lighthouse
// writer` processes each with its own HAProxy on loopback ports, `backends` HTTP servers in one
// child process, and `registrations` nodes registered from `sessions` ZooKeeper sessions in this
// process through the real zookeeper discovery plugin. Used by bench/fleet.bench.mjs (full size)
// and test-integration/fleet.test.ts (small). Imports the build: run `npx tsc -b` first.
// Everything it starts is stopped by PID; an HAProxy only after /proc shows it runs this fleet's
// config file. Types: fleet-harness.d.mts.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { noopMetrics, silentLogger } from '@lighthouse/core';
import { startZooKeeperEnsemble, waitFor, zooKeeperCommand } from '@lighthouse/testing';
import { zookeeperDiscovery } from '@lighthouse/zookeeper-discovery';
import {
  deadline,
  get,
  processUsage,
  scrape,
  socketPorts,
  startBackends,
} from './fleet-processes.mjs';
import {
  haproxyPid,
  RoutePoller,
  startWriter,
  stopWriter,
  writerConfig,
} from './fleet-writers.mjs';
import debug from 'debug';

const BASE = '/lighthouse/services';
const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

export { processUsage };

/** The HAProxy server name the balancer gives a node: `<host>:<port>`. */
export const serverName = (host, port) => `${host}:${port}`;

/**
 * ZooKeeper allows 60 connections per client IP by default and everything here is 127.0.0.1:
 * a larger fleet restarts the ensemble with `maxClientCnxns=0` (no limit) in each member's zoo.cfg.
 */
async function unlimitConnections(ensemble) {
  await Promise.all(ensemble.members.map((member) => member.stop()));
  for (const member of ensemble.members) {
    const file = join(member.dataDir, 'zoo.cfg');
    await writeFile(file, `${await readFile(file, 'utf8')}maxClientCnxns=0\n`);
  }
  await Promise.all(ensemble.members.map((member) => member.start()));
  for (const member of ensemble.members) {
    await waitFor(
      async () =>
        /^Mode: (leader|follower)$/m.test(
          await zooKeeperCommand(member.port, 'srvr').catch(() => ''),
        ),
      { timeoutMs: 60_000, what: `ZooKeeper member ${member.id} to serve again` },
    );
  }
}

/** `connect()` retried: a new session in a busy process can fail at once (see loop.bench.mjs). */
async function connectRetrying(discovery) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await discovery.connect();
      return attempt;
    } catch (error) {
      if (attempt >= 20) throw error;
      await sleep(200);
    }
  }
}

/**
 * Starts the fleet. Options: writers, clusters, registrations, sessions, backends;
 * sessionTimeout (s, default 10), pollIntervalMs (admin-socket polling while waiting, default 1),
 * log (progress lines, default none).
 */
export async function startFleet(options) {
  const {
    writers: writerCount,
    clusters: clusterCount,
    registrations: registrationCount,
  } = options;
  const { sessions: sessionCount, backends: backendCount } = options;
  const sessionTimeout = options.sessionTimeout ?? 10;
  const pollIntervalMs = options.pollIntervalMs ?? 1;
  const log = options.log ?? (() => {});
  const writerNodeArgs = options.writerNodeArgs ?? [];
  const work = await mkdtemp(join(tmpdir(), 'lighthouse-fleet-'));
  const context = { log: silentLogger, debug: debug('lighthouse:fleet'), metrics: noopMetrics };
  const fleet = {
    work,
    ensemble: undefined,
    backends: undefined,
    writers: [],
    sessions: [],
    registrations: [],
    clusters: Array.from({ length: clusterCount }, (_, index) => `c${index}`),
  };
  const stoppers = [];
  const stop = async () => {
    for (const stopper of stoppers.splice(0).reverse()) await stopper().catch(() => undefined);
    await rm(work, { recursive: true, force: true });
  };
  try {
    log(`starting a 3-node ZooKeeper ensemble`);
    fleet.ensemble = await startZooKeeperEnsemble(3, { maxSessionTimeout: 60_000 });
    stoppers.push(() => fleet.ensemble.stop());
    if (sessionCount + writerCount > 40) await unlimitConnections(fleet.ensemble);
    const discoveryYaml = [
      `hosts: [${fleet.ensemble.members.map((m) => `"127.0.0.1:${m.port}"`).join(', ')}]`,
      `path: ${BASE}`,
      `session_timeout: ${sessionTimeout}`,
      '',
    ].join('\n');
    const discoveryConfig = {
      hosts: fleet.ensemble.members.map((m) => `127.0.0.1:${m.port}`),
      path: BASE,
      session_timeout: sessionTimeout,
    };

    log(`starting ${backendCount} backends in one process`);
    fleet.backends = await startBackends(backendCount);
    stoppers.push(() => fleet.backends.stop());

    log(`connecting ${sessionCount} reporter sessions`);
    for (let index = 0; index < sessionCount; index += 1) {
      const discovery = await zookeeperDiscovery.create(discoveryConfig, context);
      const session = { index, discovery, active: new Set(), attempts: 0 };
      stoppers.push(() => discovery.close());
      session.attempts = await connectRetrying(discovery);
      fleet.sessions.push(session);
    }
    for (let index = 0; index < registrationCount; index += 1) {
      const port = fleet.backends.ports[index % backendCount];
      const host = `r${index}`;
      const cluster = fleet.clusters[Math.floor((index * clusterCount) / registrationCount)];
      const registration = {
        index,
        cluster,
        host,
        port,
        name: serverName(host, port),
        session: fleet.sessions[index % sessionCount],
        wire: { service: cluster, node: { host, ip: '127.0.0.1', port, metadata: {} } },
      };
      registration.session.active.add(registration);
      fleet.registrations.push(registration);
    }
    log(`publishing ${registrationCount} registrations`);
    await Promise.all(fleet.sessions.map((session) => publishActive(session)));

    for (let index = 0; index < writerCount; index += 1) {
      fleet.writers.push(await writerConfig(work, index, fleet.clusters, discoveryYaml));
    }
    log(`starting ${writerCount} writers`);
    for (const writer of fleet.writers) {
      startWriter(writer, writerNodeArgs);
      stoppers.push(() => stopWriter(writer));
      writer.poller = new RoutePoller(writer.socketFile, pollIntervalMs);
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return makeFleet(fleet, stop);
}

function publishActive(session) {
  return session.discovery.publish([...session.active].map((registration) => registration.wire));
}

function makeFleet(fleet, stop) {
  const { writers, registrations, clusters } = fleet;
  let requests;

  /** Per writer: the routed server names of `cluster`, compared with `expected`. */
  async function routedOnAllWriters(cluster, expected) {
    const want = new Set(expected);
    const mismatches = [];
    for (const writer of writers) {
      const routed = await writer.poller.routed(cluster).catch((error) => error);
      if (routed instanceof Error) {
        mismatches.push({ writer: writer.index, cluster, error: routed.message });
        continue;
      }
      const missing = [...want].filter((name) => !routed.has(name));
      const extra = [...routed].filter((name) => !want.has(name));
      if (missing.length > 0 || extra.length > 0)
        mismatches.push({ writer: writer.index, cluster, missing, extra });
    }
    return { ok: mismatches.length === 0, mismatches };
  }

  /** The registered server names of `cluster` (those whose session currently publishes them). */
  const expected = (cluster) =>
    registrations
      .filter((r) => r.cluster === cluster && r.session.active.has(r))
      .map((r) => r.name);

  /** Every cluster routed exactly as registered on every writer; the mismatches otherwise. */
  async function converged() {
    const mismatches = [];
    for (const cluster of clusters)
      mismatches.push(...(await routedOnAllWriters(cluster, expected(cluster))).mismatches);
    return { ok: mismatches.length === 0, mismatches };
  }

  /** Waits until {@link converged}; throws with the mismatches and the writers' output if not. */
  async function waitConverged(timeoutMs = 120_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const state = await converged();
      if (state.ok) return;
      if (Date.now() > until) {
        const bad = new Set(state.mismatches.map((m) => m.writer));
        const dead = writers.filter((w) => bad.has(w.index));
        throw new Error(
          `fleet not converged in ${timeoutMs} ms: ${JSON.stringify(state.mismatches.slice(0, 5)).slice(0, 2_000)}` +
            dead
              .map(
                (w) =>
                  `\n--- writer ${w.index} (exit ${w.child.exitCode ?? w.child.signalCode}):\n${w.output.slice(-3_000)}`,
              )
              .join(''),
        );
      }
      await sleep(250);
    }
  }

  /** Per writer: reloads/starts from its metrics (by kind) and its HAProxy worker's PID. */
  async function reloads() {
    return Promise.all(
      writers.map(async (writer) => {
        const text = await scrape(writer.metricsPort);
        const byLabels = {};
        let total = 0;
        for (const match of text.matchAll(
          /^lighthouse_haproxy_reloads_total\{([^}]*)\} (\S+)$/gm,
        )) {
          const value = Number(match[2]);
          total += value;
          if (value > 0) byLabels[match[1]] = value;
        }
        const info = await writer.poller.runtime.raw('show info').catch(() => '');
        const workerPid = Number(/^Pid: (\d+)$/m.exec(info)?.[1] ?? 0);
        return {
          writer: writer.index,
          total,
          byLabels,
          workerPid,
          master: await haproxyPid(writer),
        };
      }),
    );
  }

  /**
   * Per writer: ZooKeeper packets its session(s) sent to the ensemble (`cons` on every member:
   * `recved` of the connections whose client port is one of the writer's sockets), with the
   * negotiated session timeout (`to`, ms) to bound the pings among them.
   */
  async function zkPackets() {
    const connections = [];
    for (const member of fleet.ensemble.members) {
      const cons = await zooKeeperCommand(member.port, 'cons').catch(() => '');
      for (const match of cons.matchAll(/\/127\.0\.0\.1:(\d+)\[\d+\]\(([^)]*)\)/g)) {
        const fields = Object.fromEntries(match[2].split(',').map((kv) => kv.split('=')));
        connections.push({ port: Number(match[1]), member: member.id, ...fields });
      }
    }
    // The native client's sockets are not close-on-exec: every writer inherits the sessions this
    // process had open when it was spawned. A writer's own connection is one this process lacks.
    const inherited = await socketPorts(process.pid);
    return Promise.all(
      writers.map(async (writer) => {
        const ports = await socketPorts(writer.pid);
        const mine = connections.filter((c) => ports.has(c.port) && !inherited.has(c.port));
        return {
          writer: writer.index,
          recved: mine.reduce((sum, c) => sum + Number(c.recved ?? 0), 0),
          sessions: mine.map((c) => `${c.member}:${c.sid}`),
          timeoutMs: Number(mine[0]?.to ?? 0),
        };
      }),
    );
  }

  /** CPU seconds and RSS of each writer, its HAProxy master and worker, and this process. */
  async function usage() {
    const rows = await Promise.all(
      writers.map(async (writer) => ({
        writer: writer.index,
        ...(await processUsage(writer.pid)),
      })),
    );
    return { writers: rows, harness: await processUsage(process.pid) };
  }

  /**
   * Deregisters (or registers) one registration from its session and resolves with the ms from
   * before publish() until every writer's HAProxy stopped (or started) routing it.
   */
  async function change(registration, routed, timeoutMs) {
    const { session } = registration;
    if (routed) session.active.add(registration);
    else session.active.delete(registration);
    const started = performance.now();
    const seen = Promise.all(
      writers.map((writer) => writer.poller.until(registration.cluster, registration.name, routed)),
    );
    await publishActive(session);
    const times = await deadline(
      seen,
      timeoutMs,
      `${registration.name} ${routed ? 'routed' : 'unrouted'} on all ${writers.length} writers`,
    );
    return Math.max(...times) - started;
  }

  /**
   * A rolling deploy: each wave takes the next `fraction` of the registrations (in a shuffled
   * order); each registration leaves (its backend stays up, as after a drain), is no longer routed
   * on any writer, comes back and is routed again on every writer. `concurrency` registrations
   * are in flight at once. Returns the per-change times (ms) by direction.
   */
  async function rollingDeploy({ fraction = 0.2, waves = 1, concurrency = 1, timeoutMs = 10_000 }) {
    const order = registrations.map((r) => r).sort(() => Math.random() - 0.5);
    const perWave = Math.max(1, Math.round(registrations.length * fraction));
    const removed = [];
    const added = [];
    for (let wave = 0; wave < waves; wave += 1) {
      const batch = Array.from(
        { length: perWave },
        (_, i) => order[(wave * perWave + i) % order.length],
      );
      let next = 0;
      const worker = async () => {
        while (next < batch.length) {
          const registration = batch[next++];
          removed.push(await change(registration, false, timeoutMs));
          added.push(await change(registration, true, timeoutMs));
        }
      };
      await Promise.all(Array.from({ length: concurrency }, worker));
    }
    return { removedMs: removed, addedMs: added, changes: removed.length + added.length };
  }

  /**
   * Continuous GETs (no keep-alive) through every writer's frontend of every cluster, round
   * robin, `concurrency` at a time; a failure is a non-200 answer or a connection error.
   */
  function startRequests({ concurrency = 4, pauseMs = 0, timeoutMs = 5_000 } = {}) {
    const targets = writers.flatMap((writer) =>
      clusters.map((cluster) => ({
        writer: writer.index,
        cluster,
        port: writer.ports.get(cluster),
      })),
    );
    const state = { ok: 0, failures: [], running: true, next: 0 };
    const loop = async () => {
      while (state.running) {
        const target = targets[state.next++ % targets.length];
        const { status, error } = await get(target.port, timeoutMs);
        if (status === 200) state.ok += 1;
        else
          state.failures.push({
            time: new Date().toISOString(),
            writer: target.writer,
            cluster: target.cluster,
            status,
            ...(error === undefined ? {} : { error }),
          });
        if (pauseMs > 0) await sleep(pauseMs);
      }
    };
    const done = Promise.all(Array.from({ length: concurrency }, loop));
    requests = {
      get ok() {
        return state.ok;
      },
      failures: state.failures,
      async stop() {
        state.running = false;
        await done;
        return { ok: state.ok, failed: state.failures.length, failures: state.failures };
      },
    };
    return requests;
  }

  return {
    work: fleet.work,
    ensemble: fleet.ensemble,
    backendPorts: fleet.backends.ports,
    backendsPid: fleet.backends.pid,
    clusters,
    writers: writers.map((writer) => ({
      index: writer.index,
      pid: writer.pid,
      configDir: writer.configDir,
      socketFile: writer.socketFile,
      metricsPort: writer.metricsPort,
      ports: Object.fromEntries(writer.ports),
      output: () => writer.output,
    })),
    registrations: registrations.map((r) => ({ cluster: r.cluster, name: r.name, port: r.port })),
    sessionConnectAttempts: fleet.sessions.map((s) => s.attempts),
    expected,
    routedOnAllWriters,
    converged,
    waitConverged,
    reloads,
    zkPackets,
    usage,
    rollingDeploy,
    startRequests,
    async stop() {
      await requests?.stop();
      await stop();
    },
  };
}
