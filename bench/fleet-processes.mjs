// Processes and sockets of the fleet harness (bench/fleet-harness.mjs): /proc readings, the
// backends' child process, plain HTTP requests through HAProxy and to the writers' /metrics.
import { spawn } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';
import { request } from 'node:http';
import { cpuOf } from './proc.mjs';

/** Whether a process with this PID exists (a zombie counts as gone). */
export async function alive(pid) {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  return stat !== '' && !/^\d+ \(.*\) Z /.test(stat);
}

/** CPU seconds (utime + stime) and RSS in MiB of a process; undefined once it is gone. */
export async function processUsage(pid) {
  const cpu = await cpuOf(pid).catch(() => undefined);
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  if (cpu === undefined) return undefined;
  const rssKb = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
  return { cpuSeconds: cpu.user + cpu.system, rssMiB: rssKb / 1024 };
}

/** One GET without keep-alive: the status, or 0 and the error. */
export function get(port, timeoutMs) {
  return new Promise((done) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/', agent: false, timeout: timeoutMs },
      (res) => {
        res.resume();
        res.on('end', () => done({ status: res.statusCode ?? 0 }));
        res.on('error', (error) => done({ status: 0, error: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => done({ status: 0, error: error.message }));
    req.end();
  });
}

/** The text of a writer's GET /metrics. */
export function scrape(port) {
  return new Promise((done, fail) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => done(body));
    });
    req.setTimeout(5_000, () => req.destroy(new Error('metrics: timed out')));
    req.on('error', fail);
    req.end();
  });
}

/** `backends` HTTP servers in one child process, each answering 200 with its port. */
const BACKENDS_SCRIPT = `
const { createServer } = require('node:http');
const count = Number(process.argv[1]);
const ports = [];
let pending = count;
for (let i = 0; i < count; i += 1) {
  const server = createServer((req, res) => {
    res.setHeader('connection', 'close');
    res.end(String(server.address().port));
  });
  server.listen(0, '127.0.0.1', () => {
    ports.push(server.address().port);
    if (--pending === 0) process.stdout.write(JSON.stringify(ports) + '\\n');
  });
}
process.on('SIGTERM', () => process.exit(0));
`;

/** Starts the backends' child process: its ports, its PID, and how to stop it. */
export async function startBackends(count) {
  const child = spawn(process.execPath, ['-e', BACKENDS_SCRIPT, String(count)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ports = await new Promise((done, fail) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n')) done(JSON.parse(out));
    });
    child.once('exit', (code) => fail(new Error(`backends exited (${code})`)));
  });
  const exited = new Promise((done) => child.once('exit', done));
  return {
    ports,
    pid: child.pid,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Rejects after `ms` with `what`, unless `promise` settles first. */
export function deadline(promise, ms, what) {
  let timer;
  const late = new Promise((_, fail) => {
    timer = setTimeout(() => fail(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** The local TCP ports of `pid`'s sockets (from /proc/<pid>/fd and /proc/net/tcp). */
export async function socketPorts(pid) {
  const inodes = new Set();
  for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
    const link = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    if (inode !== undefined) inodes.add(inode);
  }
  const ports = new Set();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const lines = (await readFile(table, 'utf8').catch(() => '')).split('\n').slice(1);
    for (const line of lines) {
      const fields = line.trim().split(/\s+/);
      if (fields.length > 9 && inodes.has(fields[9]))
        ports.add(parseInt(fields[1].split(':')[1], 16));
    }
  }
  return ports;
}
