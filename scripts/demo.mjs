#!/usr/bin/env node
// The quick-start demo: a private ZooKeeper, three instances of a tiny web app each with its own
// lighthouse reporter, and a lighthouse writer driving a real HAProxy, all on loopback ports.
// It shows requests being balanced, then waits for Ctrl-C and stops everything it started.
//   node scripts/demo.mjs          interactive (Ctrl-C to stop)
//   node scripts/demo.mjs --once   show routing and a failover, then stop (used by the tests)
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, loopbackHAProxyYaml, startZooKeeper, waitFor } from '@lighthouse/testing';

const root = resolve(import.meta.dirname, '..');
const cli = join(root, 'packages/all/bin/lighthouse.js');
const { values } = parseArgs({ options: { once: { type: 'boolean' }, keep: { type: 'boolean' } } });
const say = (text) => process.stdout.write(`${text}\n`);

const children = [];
const work = await mkdtemp(join(tmpdir(), 'lighthouse-demo-'));
let zookeeper;
let haproxyPidFile;

/** Starts a child process with its output in <work>/logs/<name>.log. */
async function start(name, args) {
  await mkdir(join(work, 'logs'), { recursive: true });
  const log = createWriteStream(join(work, 'logs', `${name}.log`));
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NO_COLOR: '1' },
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  children.push({ name, child });
  return child;
}

/** GET (or POST) a loopback URL; resolves with status and body, or an error text. */
function fetchText(port, path, method = 'GET') {
  return new Promise((resolveFetch) => {
    const req = request(
      { host: '127.0.0.1', port, path, method, agent: false, timeout: 2000 },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => resolveFetch({ status: res.statusCode, body: body.trim() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolveFetch({ status: 0, body: error.message }));
    req.end();
  });
}

async function writeFiles(dir, files) {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(join(dir, file, '..'), { recursive: true });
    await writeFile(join(dir, file), text);
  }
}

async function stopAll() {
  for (const { child } of children
    .filter(({ name }) => name.startsWith('reporter'))
    .concat(children.filter(({ name }) => !name.startsWith('reporter')))) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
  }
  if (haproxyPidFile !== undefined) {
    const pid = Number(
      (await readFile(haproxyPidFile, 'utf8').catch(() => '')).trim().split('\n')[0],
    );
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (pid > 0 && cmdline.includes(work)) process.kill(pid, 'SIGTERM'); // only the HAProxy we started
  }
  await zookeeper?.stop();
  if (!values.keep) await rm(work, { recursive: true, force: true });
}

try {
  say('Starting a private ZooKeeper…');
  zookeeper = await startZooKeeper();
  const discovery = `hosts: ["127.0.0.1:${zookeeper.port}"]\npath: /lighthouse/services\nsession_timeout: 4\n`;

  const frontend = await freePort();
  const stats = await freePort();
  const apps = [];
  for (const name of ['app-1', 'app-2', 'app-3']) apps.push({ name, port: await freePort() });

  for (const app of apps) {
    await start(app.name, [
      join(root, 'examples/demo/app.mjs'),
      '--port',
      String(app.port),
      '--name',
      app.name,
    ]);
    const dir = join(work, app.name);
    await writeFiles(dir, {
      'reporter.yaml': `state_dir: ${join(dir, 'state')}\n`,
      'discovery/zookeeper.yaml': discovery,
      'services/webapp.yaml': `port: ${app.port}\ndiscovery: zookeeper\nchecks:\n  interval: 1\n  http:\n    uri: /health\n    rise: 2\n    fall: 1\n`,
    });
    await start(`reporter-${app.name}`, [
      cli,
      'reporter',
      dir,
      '--advertise-host',
      app.name,
      '--advertise-ip',
      '127.0.0.1',
      '--log-format',
      'pretty',
    ]);
  }

  const writerDir = join(work, 'writer');
  haproxyPidFile = join(work, 'haproxy', 'haproxy.pid');
  await mkdir(join(work, 'haproxy'), { recursive: true });
  await writeFiles(writerDir, {
    'writer.yaml': `state_dir: ${join(work, 'writer-state')}\n`,
    'discovery/zookeeper.yaml': discovery,
    'balancers/haproxy.yaml': loopbackHAProxyYaml(
      {
        configFile: join(work, 'haproxy', 'haproxy.cfg'),
        socketFile: join(work, 'haproxy', 'admin.sock'),
        pidFile: haproxyPidFile,
      },
      ['restart_interval: 1', 'stats:', `  port: ${stats}`, '  uri: /stats'],
    ),
    'clusters/webapp.yaml': `discovery: zookeeper\nhaproxy:\n  port: ${frontend}\n  backend:\n    - "mode http"\n`,
  });
  await start('writer', [cli, 'writer', writerDir, '--log-format', 'pretty']);

  say('Waiting for the three apps to pass their health checks and reach HAProxy…');
  const seen = new Set();
  await waitFor(
    async () => {
      const { status, body } = await fetchText(frontend, '/');
      if (status === 200) seen.add(body.replace(/^Hello from (\S+).*/, '$1'));
      return seen.size === apps.length;
    },
    {
      timeoutMs: 60_000,
      intervalMs: 100,
      what: 'all three apps to be routed (see the logs in ' + join(work, 'logs') + ')',
    },
  );

  say(`\nHAProxy on 127.0.0.1:${frontend} balances across the healthy apps:`);
  for (let i = 0; i < 6; i++)
    say(`  GET http://127.0.0.1:${frontend}/  →  ${(await fetchText(frontend, '/')).body}`);

  say(`\nMaking app-2 fail its health check (POST http://127.0.0.1:${apps[1].port}/fail)…`);
  await fetchText(apps[1].port, '/fail', 'POST');
  await waitFor(
    async () => {
      const answers = await Promise.all([1, 2, 3, 4, 5, 6].map(() => fetchText(frontend, '/')));
      return answers.every(({ status, body }) => status === 200 && !body.includes('app-2'));
    },
    { timeoutMs: 20_000, intervalMs: 200, what: 'app-2 to leave the rotation' },
  );
  for (let i = 0; i < 4; i++)
    say(`  GET http://127.0.0.1:${frontend}/  →  ${(await fetchText(frontend, '/')).body}`);
  await fetchText(apps[1].port, '/recover', 'POST');
  say('app-2 recovered; it rejoins after two passing checks.');

  if (values.once) {
    say('\nDemo finished (--once).');
  } else {
    say(`\nTry it:   curl http://127.0.0.1:${frontend}/`);
    say(`Stats:    http://127.0.0.1:${stats}/stats`);
    say(`Fail one: curl -X POST http://127.0.0.1:${apps[0].port}/fail   (and /recover)`);
    say(`Logs and generated haproxy.cfg: ${work}`);
    say('Press Ctrl-C to stop everything.');
    await new Promise((done) => {
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    say('\nStopping…');
  }
  await stopAll();
} catch (error) {
  process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
  values.keep = true;
  await stopAll().catch(() => undefined);
  process.stderr.write(`logs kept in ${work}\n`);
  process.exitCode = 1;
}
