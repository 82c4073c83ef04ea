import type { ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './free-port.js';
import { spawnClean } from './spawn-clean.js';

/**
 * Private ZooKeeper servers for tests, started from Debian's `zookeeper` package without its
 * service wrapper (`java … QuorumPeerMain <zoo.cfg>`), on free loopback ports with temporary data
 * directories, and stopped by PID. Nothing here touches a system-wide ZooKeeper.
 */

const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const CLASSPATH = `${ZOOKEEPER_JAR}:/usr/share/java/*:/etc/zookeeper/conf`;
const MAIN_CLASS = 'org.apache.zookeeper.server.quorum.QuorumPeerMain';
/** Start-up options: a test server needs a fast start, not peak throughput. */
const JVM_OPTIONS = ['-Xms16m', '-Xmx256m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1'];
const NOT_FOUND = 'ZooKeeper not found: apt-get install zookeeper (Debian package)';
/** Bytes of server output kept for the error message when a server fails to start. */
const OUTPUT_TAIL = 4_000;

/** Options of {@link startZooKeeper} and {@link startZooKeeperEnsemble}. */
export interface ZooKeeperOptions {
  /** Milliseconds per tick (default 2000). Session timeouts are clamped to [2, 20] × tickTime. */
  tickTime?: number;
  /** Smallest session timeout the server grants, in ms (server default 2 × tickTime). */
  minSessionTimeout?: number;
  /** Largest session timeout the server grants, in ms (server default 20 × tickTime). */
  maxSessionTimeout?: number;
  /** How long a start may take before it fails (default 30 s; a cold JVM needs about 1.5 s). */
  readyTimeoutMs?: number;
  /** How long `stop` waits after SIGTERM before SIGKILL (default 5 s). */
  stopTimeoutMs?: number;
}

/** A running standalone ZooKeeper server. */
export interface ZooKeeperServer {
  readonly port: number;
  /** `127.0.0.1:<port>`, ready for a client's connection string. */
  readonly connectString: string;
  /** PID of the current server process (a new one after `restart`). */
  readonly pid: number;
  readonly dataDir: string;
  /** Stops the server by PID and removes its data directory. */
  stop(): Promise<void>;
  /** Sends a signal to the server process, e.g. SIGSTOP/SIGCONT to freeze it (default SIGKILL). */
  kill(signal?: NodeJS.Signals): void;
  /** Stops the process (if it runs) and starts it again on the same port and data directory. */
  restart(): Promise<void>;
}

/** One server of a {@link ZooKeeperEnsemble}. */
export interface ZooKeeperMember {
  /** The server's `myid` (1-based). */
  readonly id: number;
  readonly port: number;
  readonly dataDir: string;
  /** PID of the current process, or undefined while stopped. */
  readonly pid: number | undefined;
  /** Starts the process again and waits until it answers `ruok` (serving also needs a quorum). */
  start(): Promise<void>;
  /** Stops the process by PID; the data directory stays for a later `start`. */
  stop(): Promise<void>;
  /** Sends a signal to the process (default SIGKILL). */
  kill(signal?: NodeJS.Signals): void;
}

/** A loopback ensemble of ZooKeeper servers. */
export interface ZooKeeperEnsemble {
  /** Every member's `127.0.0.1:<port>`, comma-separated. */
  readonly connectString: string;
  readonly members: readonly ZooKeeperMember[];
  /** The member that `srvr` reports as leader; waits (up to the ready timeout) for an election. */
  leader(): Promise<ZooKeeperMember>;
  /** Stops every member by PID and removes all data directories. */
  stop(): Promise<void>;
}

/** Sends a four-letter-word command (`ruok`, `srvr`, `stat`…) and returns the whole reply. */
export function zooKeeperCommand(port: number, word: string, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(timeoutMs, () =>
      socket.destroy(new Error(`${word}: no reply in ${timeoutMs} ms`)),
    );
    socket.on('connect', () => socket.end(word));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Throws the one-line install hint unless both the server jar and a `java` binary exist. */
async function assertInstalled(): Promise<void> {
  const paths = (process.env['PATH'] ?? '').split(delimiter).filter((entry) => entry !== '');
  const java = await Promise.all(paths.map((entry) => isExecutable(join(entry, 'java'))));
  const jar = await access(ZOOKEEPER_JAR, constants.R_OK).then(
    () => true,
    () => false,
  );
  if (!jar || !java.includes(true)) throw new Error(NOT_FOUND);
}

/** Every server process still running, killed when the test process exits however it exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const orphan of live) orphan.kill('SIGKILL');
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One `java … QuorumPeerMain` process for a config file; it can be launched again after a halt. */
class ServerProcess {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private output = '';

  constructor(
    private readonly configFile: string,
    private readonly options: ZooKeeperOptions,
  ) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns the server and polls `ready` until it holds, the process dies, or the deadline. */
  async start(ready: (port: number) => Promise<boolean>, port: number): Promise<void> {
    if (this.child !== undefined) throw new Error(`ZooKeeper on port ${port} is already running`);
    const child = spawnClean('java', [
      ...JVM_OPTIONS,
      '-cp',
      CLASSPATH,
      MAIN_CLASS,
      this.configFile,
    ]);
    this.child = child;
    this.output = '';
    const keep = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString('utf8')).slice(-OUTPUT_TAIL);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    let dead = false;
    this.exited = new Promise((resolve) => {
      const ended = () => {
        dead = true;
        resolve();
      };
      child.once('exit', ended);
      child.once('error', ended); // e.g. java vanished since assertInstalled
    });
    track(child);
    const timeoutMs = this.options.readyTimeoutMs ?? 30_000;
    const deadline = Date.now() + timeoutMs;
    while (!dead) {
      if (await ready(port).catch(() => false)) return;
      if (Date.now() > deadline) {
        await this.halt();
        throw new Error(`ZooKeeper on port ${port} not ready in ${timeoutMs} ms:\n${this.output}`);
      }
      await sleep(50);
    }
    this.child = undefined;
    throw new Error(`ZooKeeper on port ${port} exited during start-up:\n${this.output}`);
  }

  signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid !== undefined && this.child?.exitCode === null && this.child.signalCode === null) {
      process.kill(pid, signal);
    }
  }

  /** SIGTERM (plus SIGCONT, in case a test froze it), then SIGKILL after the deadline. */
  async halt(): Promise<void> {
    if (this.child === undefined) return;
    this.signal('SIGTERM');
    this.signal('SIGCONT');
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), this.options.stopTimeoutMs ?? 5_000);
    });
    const outcome = await Promise.race([this.exited, deadline]);
    clearTimeout(timer);
    if (outcome === 'late') {
      this.signal('SIGKILL');
      await this.exited;
    }
    this.child = undefined;
  }
}

function configText(entries: Record<string, string | number | undefined>): string {
  return Object.entries(entries)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${value}\n`)
    .join('');
}

/** Settings shared by standalone servers and ensemble members. */
function baseConfig(dataDir: string, port: number, options: ZooKeeperOptions) {
  return {
    tickTime: options.tickTime ?? 2_000,
    initLimit: 10,
    syncLimit: 5,
    dataDir,
    clientPort: port,
    clientPortAddress: '127.0.0.1',
    minSessionTimeout: options.minSessionTimeout,
    maxSessionTimeout: options.maxSessionTimeout,
    'admin.enableServer': 'false',
    '4lw.commands.whitelist': '*',
    // Test data is thrown away: skip fsync and the 64 MiB log preallocation (a slow shared disk).
    forceSync: 'no',
    preAllocSize: 1_024,
  };
}

const answersRuok = async (port: number) => (await zooKeeperCommand(port, 'ruok')) === 'imok';
/**
 * `ruok` answers as soon as the port listens, before the database is loaded; a client connecting
 * then is turned away, and the native client waits a third of its session timeout before trying
 * again. `srvr` names a mode only once the server takes sessions.
 */
const serving = async (port: number) =>
  /^Mode: (standalone|leader|follower)$/m.test(await zooKeeperCommand(port, 'srvr'));

/** Starts a standalone ZooKeeper on a free 127.0.0.1 port; ready once `ruok` answers `imok`. */
export async function startZooKeeper(options: ZooKeeperOptions = {}): Promise<ZooKeeperServer> {
  await assertInstalled();
  const dataDir = await mkdtemp(join(tmpdir(), 'lighthouse-zk-'));
  const port = await freePort();
  const configFile = join(dataDir, 'zoo.cfg');
  await writeFile(configFile, configText(baseConfig(dataDir, port, options)));
  const server = new ServerProcess(configFile, options);
  try {
    await server.start(serving, port);
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    connectString: `127.0.0.1:${port}`,
    get pid() {
      const pid = server.pid;
      if (pid === undefined) throw new Error('ZooKeeper is not running');
      return pid;
    },
    dataDir,
    async stop() {
      await server.halt();
      await rm(dataDir, { recursive: true, force: true });
    },
    kill: (signal = 'SIGKILL') => server.signal(signal),
    async restart() {
      await server.halt();
      await server.start(serving, port);
    },
  };
}

/** Starts `size` servers as one loopback ensemble; resolves once every member serves. */
export async function startZooKeeperEnsemble(
  size = 3,
  options: ZooKeeperOptions = {},
): Promise<ZooKeeperEnsemble> {
  await assertInstalled();
  const root = await mkdtemp(join(tmpdir(), 'lighthouse-zk-ensemble-'));
  const ports: { id: number; client: number; peer: number; election: number }[] = [];
  for (let id = 1; id <= size; id += 1) {
    ports.push({
      id,
      client: await freePort(),
      peer: await freePort(),
      election: await freePort(),
    });
  }
  const servers = Object.fromEntries(
    ports.map(({ id, peer, election }) => [`server.${id}`, `127.0.0.1:${peer}:${election}`]),
  );
  const members: (ZooKeeperMember & { server: ServerProcess })[] = [];
  for (const { id, client } of ports) {
    const dataDir = join(root, `server${id}`);
    await mkdir(dataDir);
    await writeFile(join(dataDir, 'myid'), `${id}\n`);
    const configFile = join(dataDir, 'zoo.cfg');
    await writeFile(
      configFile,
      configText({ ...baseConfig(dataDir, client, options), ...servers }),
    );
    const server = new ServerProcess(configFile, options);
    members.push({
      id,
      port: client,
      dataDir,
      server,
      get pid() {
        return server.pid;
      },
      start: () => server.start(answersRuok, client),
      stop: () => server.halt(),
      kill: (signal = 'SIGKILL') => server.signal(signal),
    });
  }
  const stop = async () => {
    await Promise.all(members.map((member) => member.server.halt()));
    await rm(root, { recursive: true, force: true });
  };
  const untilServing = async (): Promise<void> => {
    const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
    for (const member of members) {
      while (!(await serving(member.port).catch(() => false))) {
        if (Date.now() > deadline)
          throw new Error(`ZooKeeper ensemble member ${member.id} not serving`);
        await sleep(100);
      }
    }
  };
  try {
    await Promise.all(members.map((member) => member.start()));
    await untilServing();
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    connectString: members.map((member) => `127.0.0.1:${member.port}`).join(','),
    members,
    async leader() {
      const deadline = Date.now() + (options.readyTimeoutMs ?? 30_000);
      for (;;) {
        for (const member of members) {
          if (member.pid === undefined) continue;
          const reply = await zooKeeperCommand(member.port, 'srvr').catch(() => '');
          if (/^Mode: leader$/m.test(reply)) return member;
        }
        if (Date.now() > deadline) throw new Error('no ZooKeeper ensemble member is leader');
        await sleep(100);
      }
    },
    stop,
  };
}
