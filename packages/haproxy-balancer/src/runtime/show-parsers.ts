/**
 * Parsers of HAProxy 2.6's `show` replies. Each refuses a reply it does not recognize (an error
 * text, a truncated answer) instead of returning an empty result: an empty list would read as
 * "no servers" and empty a backend (lighthouse 1.0 returned [] on errors, B25).
 */

/** One row of `show servers state` (format 1), the columns reconciliation needs. */
export interface ServerState {
  backendId: number;
  backend: string;
  serverId: number;
  server: string;
  /** `srv_addr`: the IP, IPv6 without brackets. */
  address: string;
  /** `srv_op_state`: 0 stopped, 1 starting, 2 running, 3 stopping. */
  opState: number;
  /** `srv_admin_state` bitmask: see {@link AdminFlags}. */
  adminState: number;
  /** `srv_uweight`: the weight set by config or `set server … weight` (or an agent). */
  weight: number;
  /**
   * `srv_iweight`: the weight the server was configured (or added) with. A static algorithm
   * accepts only it and 0 at runtime; a reload restores `srv_uweight` from the state file only
   * when this did not change.
   */
  initialWeight: number;
  port: number;
  /** `srv_agent_state`: the agent check's {@link CheckFlags} (0: no agent configured). */
  agentState: number;
  /** `srv_agent_port`: the port the agent check connects to (0: none, or column absent). */
  agentPort: number;
}

/** Bits of `srv_admin_state`. */
export const AdminFlags = {
  /** Maintenance forced from the CLI (or a new dynamic server). */
  forcedMaint: 0x01,
  /** Maintenance inherited from a tracked server. */
  inheritedMaint: 0x02,
  /** `disabled` in the config. */
  configMaint: 0x04,
  /** Drain forced from the CLI. */
  forcedDrain: 0x08,
} as const;

/**
 * Bits of `srv_check_state` / `srv_agent_state` (HAProxy's `CHK_ST_*`; measured on 2.6.12: an
 * agent-check server shows 0x16, 0x12 after `disable agent`, 0 without agent-check).
 */
export const CheckFlags = {
  /** The check is in the server's configuration (`agent-check`): `enable agent` accepts it. */
  configured: 0x02,
  /** The check runs: not stopped by `disable agent`. */
  enabled: 0x04,
} as const;

const STATE_COLUMNS = [
  'be_id',
  'be_name',
  'srv_id',
  'srv_name',
  'srv_addr',
  'srv_op_state',
  'srv_admin_state',
  'srv_uweight',
  'srv_iweight',
] as const;

/** Parses `show servers state [<backend>]` (format version 1). */
export function parseServersState(reply: string): ServerState[] {
  const lines = reply.split('\n').filter((line) => line !== '');
  const header = lines[1]?.replace(/^# /, '').split(' ') ?? [];
  if (lines[0] !== '1' || STATE_COLUMNS.some((column, index) => header[index] !== column)) {
    throw new Error(`unexpected "show servers state" reply: ${reply.trim().slice(0, 200)}`);
  }
  const portColumn = header.indexOf('srv_port');
  const agentStateColumn = header.indexOf('srv_agent_state');
  const agentPortColumn = header.indexOf('srv_agent_port');
  return lines.slice(2).map((line) => {
    const fields = line.split(' ');
    const number = (index: number): number => {
      const value = Number(fields[index]);
      if (!Number.isInteger(value)) throw new Error(`malformed "show servers state" row: ${line}`);
      return value;
    };
    return {
      backendId: number(0),
      backend: fields[1] ?? '',
      serverId: number(2),
      server: fields[3] ?? '',
      address: fields[4] ?? '',
      opState: number(5),
      adminState: number(6),
      weight: number(7),
      initialWeight: number(8),
      port: portColumn < 0 ? 0 : number(portColumn),
      agentState: agentStateColumn < 0 ? 0 : number(agentStateColumn),
      agentPort: agentPortColumn < 0 ? 0 : number(agentPortColumn),
    };
  });
}

/** The `Pid:` of `show info`: the worker process this admin session talks to. */
export function parseWorkerPid(reply: string): number {
  const pid = /^Pid: ([1-9][0-9]*)$/m.exec(reply)?.[1];
  if (pid === undefined)
    throw new Error(`unexpected "show info" reply: ${reply.trim().slice(0, 200)}`);
  return Number(pid);
}

/**
 * Whether a `show info` reply comes from a worker that is stopping (`Stopping: 1`): one replaced
 * by a reload, still serving the connections it had, the admin session that asked included.
 */
export function workerStopping(reply: string): boolean {
  return /^Stopping: 1$/m.test(reply);
}

/** Parses `show stat` CSV: one record per row, keyed by the header's column names. */
export function parseStatCsv(reply: string): Record<string, string>[] {
  const lines = reply.split('\n').filter((line) => line !== '');
  const first = lines[0];
  if (first === undefined || !first.startsWith('# pxname,')) {
    throw new Error(`unexpected "show stat" reply: ${reply.slice(0, 200)}`);
  }
  const columns = first.slice(2).split(',');
  return lines.slice(1).map((line) => {
    const fields = line.split(',');
    const row: Record<string, string> = {};
    columns.forEach((column, index) => {
      if (column !== '' && column !== '-') row[column] = fields[index] ?? '';
    });
    return row;
  });
}
