import type { ClusterReader } from '../src/cluster-watch.js';
import { ZooKeeperError } from '../src/native-client.js';
import type { Stat, Watcher } from '../src/native-client.js';
import type { SessionState } from '../src/session.js';
import { Code } from '../src/native-client.js';

const STAT: Stat = { version: 0, aversion: 0, ephemeralOwner: '0' };

/**
 * A scripted stand-in for the reads of a `ClusterWatch`, for what a real server cannot be made to
 * do on cue: drop the connection between a listing and the reads that follow it, or deny one read.
 * It holds one cluster znode (`path`, always present), its children and their payloads, and keeps
 * the watchers it is handed so a test can fire them. Like the real session, every call fails with
 * connection loss unless `state` is CONNECTED.
 */
export class FakeSession implements ClusterReader {
  state: SessionState = 'CONNECTED';
  /** Payload of each child, by name; `getChildren` lists these names. */
  readonly payloads = new Map<string, string>();
  /** Result code each child's `get` fails with (connection loss, NOAUTH…), by name. */
  readonly failing = new Map<string, number>();
  /** Runs after a listing, before it is answered: a test drops the connection here. */
  afterList: (() => void) | undefined;
  /** Every path passed to `get`, in order, failed reads included. */
  readonly gets: string[] = [];
  /** The last children watch handed over. */
  childrenWatcher: Watcher | undefined;
  /** The last data watch handed over, by child name. */
  readonly dataWatchers = new Map<string, Watcher>();

  constructor(readonly path: string) {}

  async getChildren(path: string, watcher?: Watcher): Promise<string[]> {
    this.live('getChildren', path);
    if (watcher !== undefined) this.childrenWatcher = watcher;
    const names = [...this.payloads.keys()];
    this.afterList?.();
    return names;
  }

  async get(path: string, watcher?: Watcher): Promise<{ data: Buffer; stat: Stat }> {
    this.gets.push(path);
    this.live('get', path);
    const name = path.slice(this.path.length + 1);
    const code = this.failing.get(name);
    if (code !== undefined) throw new ZooKeeperError(code, 'get', path, 'scripted failure');
    const payload = this.payloads.get(name);
    if (payload === undefined) throw new ZooKeeperError(Code.noNode, 'get', path, 'no node');
    if (watcher !== undefined) this.dataWatchers.set(name, watcher);
    return { data: Buffer.from(payload), stat: STAT };
  }

  async exists(path: string): Promise<Stat | undefined> {
    this.live('exists', path);
    return path === this.path ? STAT : undefined;
  }

  /** Throws as the real session does when a call cannot go through now. */
  private live(operation: string, path: string): void {
    if (this.state !== 'CONNECTED')
      throw new ZooKeeperError(Code.connectionLoss, operation, path, `not connected`);
  }
}
