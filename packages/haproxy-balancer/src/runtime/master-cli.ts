import { oneShot } from './one-shot.js';

/**
 * HAProxy's master CLI (`-S <socket>`): `show proc` to read the reload counters, `reload` to
 * reload. In 2.6 a reload failure is silent (`reload` answers nothing and the master re-executes
 * asynchronously); the only evidence is the master's `<reloads> [failed: N]` in `show proc`.
 */

/** What `show proc` says about the master and its current workers. */
export interface ProcState {
  masterPid: number;
  /** Reloads since the master started, failed ones included. */
  reloads: number;
  failed: number;
  /** Workers, newest first as listed; `reloads` 0 is the current generation. */
  workers: { pid: number; reloads: number }[];
}

const MASTER = /^(\d+)\s+master\s+(\d+)\s+\[failed:\s*(\d+)\]/m;
const WORKER = /^(\d+)\s+worker\s+(\d+)\s/;

/** Parses `show proc` (2.6 layout); throws on anything else. */
export function parseShowProc(reply: string): ProcState {
  const master = MASTER.exec(reply);
  if (master === null) throw new Error(`unexpected "show proc" reply: ${reply.slice(0, 200)}`);
  const section = reply.split('# workers')[1]?.split('# programs')[0] ?? '';
  const workers = section
    .split('\n')
    .map((line) => WORKER.exec(line))
    .flatMap((match) =>
      match === null ? [] : [{ pid: Number(match[1]), reloads: Number(match[2]) }],
    );
  return {
    masterPid: Number(master[1]),
    reloads: Number(master[2]),
    failed: Number(master[3]),
    workers,
  };
}

/** The master CLI client; every call is one connection. */
export class MasterCli {
  constructor(
    readonly socketPath: string,
    private readonly timeoutMs = 5_000,
  ) {}

  /** `show proc;quit` (without `quit` the 2.6 master keeps the connection open). */
  async showProc(): Promise<ProcState> {
    return parseShowProc(await oneShot(this.socketPath, 'show proc;quit', this.timeoutMs));
  }

  /** Asks for a reload; it happens asynchronously: verify with {@link showProc}. */
  async reload(): Promise<void> {
    await oneShot(this.socketPath, 'reload', this.timeoutMs, true);
  }
}
