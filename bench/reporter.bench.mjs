// Benchmark of the reporter's check loop (built output in dist/; run `npx tsc -b` first): the CPU
// and memory of a real `lighthouse reporter` process checking 500 (service, port) pairs over TCP
// every second (50 services × 10 ports, rise 1, fall 1), registered in a real ZooKeeper.
// The 500 loopback listeners run in a child process of their own, so neither their accepts nor
// this process's timers count: CPU is the reporter's utime + stime delta from /proc/<pid>/stat
// over the measurement window, once all 500 pairs are registered and a settle time has passed,
// as % of one core; RSS is VmRSS from /proc/<pid>/status at the end of the window.
// Prints one JSON object with the figures and the target beside them.
// Usage: node bench/reporter.bench.mjs [--bin <lighthouse.js>]... [--rounds <n>] [--measure <s>]
//   --bin      the lighthouse CLI to run (default packages/all/bin/lighthouse.js); give several to
//              compare builds (A/B): rounds interleave them (A, B, A, B, …) against the same
//              ZooKeeper and listeners. Also settable as REPORTER_BENCH_BINS=a.js,b.js.
//   --rounds   rounds per bin (default 1); --measure seconds measured per round (default 30).
//   --cpu-prof <dir>  run the reporter under `node --cpu-prof` (profile written on SIGTERM).
//   --node-arg <flag>  more node flags for the reporter (e.g. --trace-deopt); --stdout <file>
//              keeps the reporter's stdout there (one file per round: <file>.<round>).
// Needs ZooKeeper (apt-get install zookeeper), like test-integration/.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startZooKeeper } from '@lighthouse/testing';
import { cpuOf } from './proc.mjs';

const SERVICES = 50;
const PORTS_PER_SERVICE = 10;
const PAIRS = SERVICES * PORTS_PER_SERVICE;
const INTERVAL_S = 1;
const REGISTERED_TIMEOUT_MS = 120_000;
const SETTLE_MS = 5_000;
const TARGET_CPU_PERCENT = 5;

const root = resolve(import.meta.dirname, '..');
const { values: args } = parseArgs({
  options: {
    bin: { type: 'string', multiple: true },
    rounds: { type: 'string', default: '1' },
    measure: { type: 'string', default: '30' },
    'cpu-prof': { type: 'string' },
    'node-arg': { type: 'string', multiple: true, default: [] },
    stdout: { type: 'string' },
  },
});
const bins = (
  args.bin ??
  process.env.REPORTER_BENCH_BINS?.split(',').filter(Boolean) ?? [
    join(root, 'packages/all/bin/lighthouse.js'),
  ]
).map((bin) => resolve(bin));
const rounds = Number(args.rounds);
const measureMs = Number(args.measure) * 1_000;

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));
const round = (value, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;
const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

/**
 * CPU seconds of each thread of a process as the scheduler measured them (the first field of
 * /proc/<pid>/task/<tid>/schedstat, in ns: exact, where utime and stime are sampled at clock
 * ticks): the main thread, and the others together (V8's GC helpers, libuv's pool, the ZooKeeper
 * client's threads).
 */
async function threadCpuOf(pid) {
  const cpu = { main: 0, others: 0 };
  for (const tid of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    const stat = await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '');
    const seconds = Number(stat.split(' ')[0]) / 1e9;
    if (!Number.isFinite(seconds)) continue;
    if (tid === String(pid)) cpu.main += seconds;
    else cpu.others += seconds;
  }
  return cpu;
}

/**
 * Resident memory of a process in MB (VmRSS of /proc/<pid>/status), and its voluntary context
 * switches so far (each is a wait in epoll that ended: one wake-up of the event loop).
 */
async function statusOf(pid) {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1]);
  return { rssMb: field('VmRSS') / 1024, wakeups: field('voluntary_ctxt_switches') };
}

/** The processes this bench started, stopped by PID at the end (and on failure). */
const started = new Set();

function track(child) {
  started.add(child);
  const exited = new Promise((done) => child.once('exit', done));
  return {
    child,
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      if ((await Promise.race([exited, sleep(10_000).then(() => 'late')])) === 'late') {
        child.kill('SIGKILL');
        await exited;
      }
      started.delete(child);
    },
  };
}

/**
 * PAIRS loopback listeners in a child process (so their accepts cost this process and the
 * reporter nothing); each accepted connection is closed at once. Resolves with their ports.
 */
async function startListeners() {
  const script = `
    const net = require('node:net');
    const ports = [];
    let pending = ${PAIRS};
    let accepted = 0;
    // Bursts: accepts more than 2 ms after the previous one start a new burst (checks started
    // in one wake-up of the reporter arrive together).
    let bursts = 0;
    let last = 0;
    for (let index = 0; index < ${PAIRS}; index += 1) {
      const server = net.createServer((socket) => {
        accepted += 1;
        const now = performance.now();
        if (now - last > 2) bursts += 1;
        last = now;
        socket.destroy();
      });
      server.listen(0, '127.0.0.1', () => {
        ports.push(server.address().port);
        if (--pending === 0) process.stdout.write(JSON.stringify(ports) + '\\n');
      });
    }
    // Each line on stdin asks for the connections accepted so far and their bursts.
    process.stdin.on('data', () => {
      process.stdout.write(JSON.stringify({ accepted, bursts }) + '\\n');
    });
    process.stdin.on('end', () => process.exit(0));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['pipe', 'pipe', 'inherit'] });
  const handle = track(child);
  let output = '';
  const lines = [];
  let waiting;
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    const parts = (output + chunk).split('\n');
    output = parts.pop();
    lines.push(...parts);
    waiting?.();
  });
  const failed = new Promise((_, fail) =>
    child.once('exit', (code) => fail(new Error(`the listeners exited (${code})`))),
  );
  failed.catch(() => undefined);
  const nextLine = () =>
    Promise.race([
      failed,
      new Promise((done) => {
        const take = () => {
          if (lines.length === 0) return;
          waiting = undefined;
          done(lines.shift());
        };
        waiting = take;
        take();
      }),
    ]);
  const ports = JSON.parse(await nextLine());
  return {
    ports,
    /** Connections accepted so far (every check run is one), and in how many bursts. */
    async accepted() {
      child.stdin.write('?\n');
      return JSON.parse(await nextLine());
    },
    stop: handle.stop,
  };
}

async function writeFiles(dir, files) {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  }
}

/** One round: a reporter run by `bin` on a fresh config directory, measured once registered. */
async function measure(bin, index, listeners, zookeeper, work) {
  const { ports } = listeners;
  const dir = join(work, `round-${index}`);
  const files = {
    'reporter.yaml': `state_dir: ${join(dir, 'state')}\n`,
    'discovery/zookeeper.yaml': `hosts: ["${zookeeper.connectString}"]\npath: /bench-reporter-${index}\nsession_timeout: 10\n`,
  };
  for (let service = 0; service < SERVICES; service += 1) {
    const slice = ports.slice(service * PORTS_PER_SERVICE, (service + 1) * PORTS_PER_SERVICE);
    files[`services/svc-${service}.yaml`] = [
      `ports: [${slice.join(', ')}]`,
      'discovery: zookeeper',
      'checks:',
      `  interval: ${INTERVAL_S}`,
      '  tcp:',
      '    rise: 1',
      '    fall: 1',
      '',
    ].join('\n');
  }
  await writeFiles(dir, files);
  const profile =
    args['cpu-prof'] === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${args['cpu-prof']}`];
  const child = spawn(
    process.execPath,
    [
      ...profile,
      ...args['node-arg'],
      bin,
      'reporter',
      dir,
      '--advertise-host',
      'bench',
      '--advertise-ip',
      '127.0.0.1',
      '--log-format',
      'json',
    ],
    {
      stdio: ['ignore', args.stdout === undefined ? 'ignore' : 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1', DEBUG: '' },
    },
  );
  const reporter = track(child);
  if (args.stdout !== undefined) child.stdout.pipe(createWriteStream(`${args.stdout}.${index}`));
  // The registrations discovery confirmed, from the reporter's own log lines.
  const registered = new Set();
  let tail = '';
  let partial = '';
  let warnings = 0;
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    tail = (tail + chunk).slice(-4_000);
    const lines = (partial + chunk).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      try {
        const entry = JSON.parse(line);
        if (entry.msg === 'registered') registered.add(entry.node + entry.service);
        if (entry.msg === 'deregistered') registered.delete(entry.node + entry.service);
        if (entry.level === 'warn' || entry.level === 'error') warnings += 1;
      } catch {
        // Not a log line: kept in `tail` for the error message.
      }
    }
  });
  try {
    const startedAt = Date.now();
    while (registered.size < PAIRS) {
      if (child.exitCode !== null) throw new Error(`the reporter exited: ${tail}`);
      if (Date.now() - startedAt > REGISTERED_TIMEOUT_MS)
        throw new Error(`only ${registered.size} of ${PAIRS} registered: ${tail}`);
      await sleep(100);
    }
    const registeredAfterMs = Date.now() - startedAt;
    await sleep(SETTLE_MS);
    const warningsBefore = warnings;
    const acceptedBefore = await listeners.accepted();
    const statusBefore = await statusOf(child.pid);
    const before = await cpuOf(child.pid);
    const threadsBefore = await threadCpuOf(child.pid);
    const wallStart = performance.now();
    await sleep(measureMs);
    const after = await cpuOf(child.pid);
    const threadsAfter = await threadCpuOf(child.pid);
    const seconds = (performance.now() - wallStart) / 1_000;
    const acceptedAfter = await listeners.accepted();
    const checks = acceptedAfter.accepted - acceptedBefore.accepted;
    const bursts = acceptedAfter.bursts - acceptedBefore.bursts;
    const { rssMb, wakeups } = await statusOf(child.pid);
    const percent = (cpu) => round((cpu / seconds) * 100);
    return {
      bin,
      cpu_percent_of_core: percent(after.user - before.user + after.system - before.system),
      user_percent: percent(after.user - before.user),
      system_percent: percent(after.system - before.system),
      // The same window as the scheduler measured it (exact), by thread.
      scheduler_percent: {
        main_thread: percent(threadsAfter.main - threadsBefore.main),
        other_threads: percent(threadsAfter.others - threadsBefore.others),
      },
      rss_mb: round(rssMb, 1),
      // Connections the listeners accepted per second: the check runs that reached them.
      checks_per_s: round(checks / seconds, 1),
      // Bursts of accepts per second (a gap of more than 2 ms starts a new one): how many
      // groups the reporter starts its checks in.
      check_bursts_per_s: round(bursts / seconds, 1),
      // Voluntary context switches of the whole process per second (mostly the main thread's
      // waits in epoll; also the other threads' sleeps).
      wakeups_per_s: round((wakeups - statusBefore.wakeups) / seconds, 1),
      registered_after_s: round(registeredAfterMs / 1_000, 1),
      // Steady state logs nothing: a warning in the window (a deregistration…) spoils the round.
      warnings_in_window: warnings - warningsBefore,
    };
  } finally {
    await reporter.stop();
  }
}

const work = await mkdtemp(join(tmpdir(), 'lighthouse-reporter-bench-'));
let zookeeper;
let listeners;
try {
  zookeeper = await startZooKeeper();
  listeners = await startListeners();
  const runs = [];
  for (let index = 0; index < rounds * bins.length; index += 1) {
    const bin = bins[index % bins.length];
    process.stderr.write(`reporter bench: round ${index + 1} of ${rounds * bins.length}, ${bin}\n`);
    runs.push(await measure(bin, index, listeners, zookeeper, work));
  }
  const summary = (bin) => {
    const mine = runs.filter((run) => run.bin === bin);
    const of = (key) => round(median(mine.map((run) => run[key])));
    return {
      bin,
      rounds: mine.length,
      cpu_percent_of_core: of('cpu_percent_of_core'),
      user_percent: of('user_percent'),
      system_percent: of('system_percent'),
      rss_mb: of('rss_mb'),
      checks_per_s: of('checks_per_s'),
      check_bursts_per_s: of('check_bursts_per_s'),
      wakeups_per_s: of('wakeups_per_s'),
    };
  };
  const [first, ...others] = bins.map(summary);
  process.stdout.write(
    `${JSON.stringify(
      {
        benchmark: 'reporter',
        node: process.version,
        method:
          `a real \`lighthouse reporter\`, ${SERVICES} services × ${PORTS_PER_SERVICE} ports, tcp ` +
          `check every ${INTERVAL_S} s (rise 1, fall 1), real ZooKeeper; ${PAIRS} loopback ` +
          'listeners in a child process; after all pairs registered and ' +
          `${SETTLE_MS / 1_000} s more, CPU = utime+stime delta from /proc/<pid>/stat over ` +
          `${measureMs / 1_000} s as % of one core (median over rounds), RSS = VmRSS at the end`,
        pairs: PAIRS,
        interval_s: INTERVAL_S,
        ...first,
        target: { cpu_percent_of_core: TARGET_CPU_PERCENT },
        met: first.cpu_percent_of_core < TARGET_CPU_PERCENT,
        ...(others.length === 0 ? {} : { compared: others }),
        runs,
      },
      null,
      2,
    )}\n`,
  );
} catch (error) {
  process.stderr.write(`reporter bench failed: ${error instanceof Error ? error.stack : error}\n`);
  process.exitCode = 1;
} finally {
  await listeners?.stop();
  for (const child of started)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await zookeeper?.stop();
  await rm(work, { recursive: true, force: true });
}
