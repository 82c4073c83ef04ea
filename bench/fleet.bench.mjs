// Benchmark of a fleet on one machine (issue 10; built output in dist/: run `npx tsc -b` first).
// A real 3-node ZooKeeper ensemble, real `lighthouse writer` processes each with its own HAProxy,
// registrations from many ZooKeeper sessions in this process (the real zookeeper discovery
// plugin), backends in one child process (bench/fleet-harness.mjs). A rolling deploy: in each
// wave 20 % of the registrations leave (backends stay up) and return, with requests flowing
// through every writer's HAProxy. Prints one JSON object.
// Usage: node bench/fleet.bench.mjs [--writers 20] [--registrations 2000] [--sessions 200]
//          [--clusters 20] [--backends 50] [--waves 2] [--fraction 0.2] [--concurrency 8]
//          [--poll-interval 10] [--writer-cpu-prof DIR] [--writer-node-option OPT]...
import { parseArgs } from 'node:util';
import { percentile } from './percentile.mjs';
import { processUsage, startFleet } from './fleet-harness.mjs';

const { values: args } = parseArgs({
  options: {
    writers: { type: 'string', default: '20' },
    registrations: { type: 'string', default: '2000' },
    sessions: { type: 'string', default: '200' },
    clusters: { type: 'string', default: '20' },
    backends: { type: 'string', default: '50' },
    waves: { type: 'string', default: '2' },
    'warmup-waves': { type: 'string', default: '0' },
    fraction: { type: 'string', default: '0.2' },
    concurrency: { type: 'string', default: '8' },
    // Each poll is a `show servers state` that HAProxy and this process pay for: at 2 ms, 20
    // writers × 8 changes in flight polled hard enough to slow the writers they measure.
    'poll-interval': { type: 'string', default: '10' },
    // A CPU profile of every writer, written to DIR when it stops (open in Chrome DevTools).
    'writer-cpu-prof': { type: 'string' },
    // Any other Node option for every writer, e.g. --writer-node-option=--max-old-space-size=64.
    'writer-node-option': { type: 'string', multiple: true, default: [] },
  },
});
const size = {
  writers: Number(args.writers),
  clusters: Number(args.clusters),
  registrations: Number(args.registrations),
  sessions: Number(args.sessions),
  backends: Number(args.backends),
};
const WAVES = Number(args.waves);
const WARMUP_WAVES = Number(args['warmup-waves']);
const FRACTION = Number(args.fraction);
const CONCURRENCY = Number(args.concurrency);
const POLL_MS = Number(args['poll-interval']);

const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const stats = (values) => ({
  samples: values.length,
  p50: round(percentile(values, 50)),
  p99: round(percentile(values, 99)),
  max: round(Math.max(...values)),
});
const sum = (values) => values.reduce((total, value) => total + value, 0);
const started = Date.now();
const log = (line) => process.stderr.write(`fleet bench +${Date.now() - started} ms: ${line}\n`);

let fleet;
try {
  const profile = args['writer-cpu-prof'];
  const writerNodeArgs = [
    ...(profile === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profile}`]),
    ...args['writer-node-option'],
  ];
  fleet = await startFleet({ ...size, pollIntervalMs: POLL_MS, log, writerNodeArgs });
  await fleet.waitConverged(300_000);
  if (WARMUP_WAVES > 0) {
    // Unmeasured: a writer that has run for a while has its code compiled (V8 compiles on
    // background threads meanwhile, a third of a fresh writer's CPU in the first deploy).
    log(`warm-up: ${WARMUP_WAVES} unmeasured waves`);
    const timeoutMs = 30_000;
    await fleet.rollingDeploy({
      fraction: FRACTION,
      waves: WARMUP_WAVES,
      concurrency: CONCURRENCY,
      timeoutMs,
    });
  }
  log('converged; settling 2 s');
  await new Promise((done) => setTimeout(done, 2_000));
  const reloadsBefore = await fleet.reloads();
  const zkBefore = await fleet.zkPackets();
  const usageBefore = await fleet.usage();
  const requests = fleet.startRequests({ concurrency: 4 });
  const deployStart = Date.now();
  log(`rolling deploy: ${WAVES} waves of ${FRACTION * 100} %, ${CONCURRENCY} at a time`);
  const deploy = await fleet.rollingDeploy({
    fraction: FRACTION,
    waves: WAVES,
    concurrency: CONCURRENCY,
    timeoutMs: 30_000,
  });
  const deploySeconds = (Date.now() - deployStart) / 1_000;
  const traffic = await requests.stop();
  const usageAfter = await fleet.usage();
  const zkAfter = await fleet.zkPackets();
  const reloadsAfter = await fleet.reloads();
  const final = await fleet.converged();

  const reloads = reloadsAfter.map((after, index) => {
    const before = reloadsBefore[index];
    return {
      writer: after.writer,
      reloads: after.total - before.total,
      worker_changed: after.workerPid !== before.workerPid,
    };
  });
  const perWriterOps = zkAfter.map((after, index) => {
    const before = zkBefore[index];
    const packets = after.recved - before.recved;
    // The native client pings after a third of the session timeout without sending anything.
    const maxPings =
      after.timeoutMs > 0 ? Math.floor(deploySeconds / (after.timeoutMs / 3_000)) : 0;
    return {
      writer: after.writer,
      packets,
      per_change: packets / deploy.changes,
      reads_per_change_lower_bound: Math.max(0, packets - maxPings) / deploy.changes,
      same_session: after.sessions.join() === before.sessions.join(),
    };
  });
  const cpu = (rows, beforeRows) =>
    rows.map((row, index) => ({
      cpuPercent: ((row.cpuSeconds - beforeRows[index].cpuSeconds) / deploySeconds) * 100,
      rssMiB: row.rssMiB,
    }));
  const writerUse = cpu(usageAfter.writers, usageBefore.writers);
  const harnessCpu =
    ((usageAfter.harness.cpuSeconds - usageBefore.harness.cpuSeconds) / deploySeconds) * 100;
  const backends = await processUsage(fleet.backendsPid);
  const allRemoved = deploy.removedMs;
  const allAdded = deploy.addedMs;
  const p99 = Math.max(percentile(allRemoved, 99), percentile(allAdded, 99));
  const maxReadsPerChange = Math.max(...perWriterOps.map((w) => w.per_change));
  const totalReloads = sum(reloads.map((r) => r.reloads));
  const result = {
    benchmark: 'fleet',
    node: process.version,
    size: {
      ...size,
      waves: WAVES,
      warmup_waves: WARMUP_WAVES,
      fraction: FRACTION,
      concurrency: CONCURRENCY,
    },
    writer_node_options: args['writer-node-option'],
    method:
      'registration changes from the reporter sessions in this process, CONCURRENCY in flight; each ' +
      'timed from before publish() until `show servers state` on every writer’s HAProxy shows ' +
      `the server routed (UP, not in maintenance) or no longer routed, polled every ${POLL_MS} ms ` +
      'per writer (so each figure is late by up to that much). ZooKeeper packets per writer: `cons` recved on the writer’s own connection ' +
      '(reads, watch re-arms and pings) over the deploy, divided by all changes (each writer ' +
      'watches every cluster); the lower bound subtracts the most pings the deploy could hold. ' +
      'Reloads: lighthouse_haproxy_reloads_total from each writer’s metrics, and the HAProxy ' +
      'worker PID. Requests: GETs without keep-alive through every writer’s frontend of every ' +
      'cluster, 4 at a time. CPU: utime+stime delta over the deploy from /proc/<pid>/stat, % of one core.',
    deploy_seconds: round(deploySeconds),
    changes: deploy.changes,
    routed_on_all_writers_ms: {
      added: stats(allAdded),
      removed: stats(allRemoved),
      target: 'p99 < 100 ms',
      met: p99 < 100,
    },
    zookeeper_packets_per_change_per_writer: {
      max: round(maxReadsPerChange, 3),
      mean: round(sum(perWriterOps.map((w) => w.per_change)) / perWriterOps.length, 3),
      max_reads_lower_bound: round(
        Math.max(...perWriterOps.map((w) => w.reads_per_change_lower_bound)),
        3,
      ),
      sessions_unchanged: perWriterOps.every((w) => w.same_session),
      target: '<= 2 reads per change per writer',
      met: maxReadsPerChange <= 2,
    },
    reloads: {
      total: totalReloads,
      writers_with_reloads: reloads.filter((r) => r.reloads > 0 || r.worker_changed),
      target: 0,
      met: totalReloads === 0 && reloads.every((r) => !r.worker_changed),
    },
    requests: {
      ok: traffic.ok,
      failed: traffic.failed,
      first_failures: traffic.failures.slice(0, 10),
      target: 0,
      met: traffic.failed === 0,
    },
    final_routing_matches_registrations: final.ok,
    final_mismatches: final.mismatches.slice(0, 5),
    writers: {
      rss_mib: {
        sum: round(sum(writerUse.map((w) => w.rssMiB))),
        max: round(Math.max(...writerUse.map((w) => w.rssMiB))),
      },
      cpu_percent_of_one_core: {
        sum: round(sum(writerUse.map((w) => w.cpuPercent))),
        max: round(Math.max(...writerUse.map((w) => w.cpuPercent))),
      },
    },
    harness_reporter_sessions: {
      rss_mib: round(usageAfter.harness.rssMiB),
      cpu_percent_of_one_core: round(harnessCpu),
      note: 'also runs the request driver and the admin-socket polling',
    },
    backends_process_rss_mib: round(backends?.rssMiB ?? 0),
    session_connect_retries: sum(fleet.sessionConnectAttempts.map((a) => a - 1)),
  };
  process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
} catch (error) {
  process.stderr.write(`fleet bench failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exitCode = 1;
} finally {
  await fleet?.stop();
}
// A ZooKeeper client left open would keep the process alive for ever.
process.exit();
