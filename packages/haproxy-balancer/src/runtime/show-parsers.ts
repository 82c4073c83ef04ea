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

/**
 * Parses `show servers state [<backend>]` (format version 1). A sync reads a changed backend
 * whole, so this runs over every row of a 1,000-server backend at each change of it (issue 10):
 * it walks the reply by index and makes strings only of the three text columns it keeps.
 */
export function parseServersState(reply: string): ServerState[] {
  const versionEnd = reply.indexOf('\n');
  const headerEnd = versionEnd < 0 ? -1 : reply.indexOf('\n', versionEnd + 1);
  const header =
    headerEnd < 0
      ? []
      : reply
          .slice(versionEnd + 1, headerEnd)
          .replace(/^# /, '')
          .split(' ');
  if (
    reply.slice(0, versionEnd) !== '1' ||
    STATE_COLUMNS.some((column, index) => header[index] !== column)
  ) {
    throw new Error(`unexpected "show servers state" reply: ${reply.trim().slice(0, 200)}`);
  }
  const columns = {
    port: header.indexOf('srv_port'),
    agentState: header.indexOf('srv_agent_state'),
    agentPort: header.indexOf('srv_agent_port'),
  };
  const row = new RowReader(reply, columns);
  const rows: ServerState[] = [];
  for (let at = headerEnd + 1; at < reply.length;) {
    const newline = reply.indexOf('\n', at);
    const end = newline < 0 ? reply.length : newline;
    if (end > at) rows.push(row.read(at, end));
    at = end + 1;
  }
  return rows;
}

/** Where the optional columns are in this HAProxy's rows (-1: absent, the value is 0). */
interface OptionalColumns {
  port: number;
  agentState: number;
  agentPort: number;
}

/** Reads the rows of one reply, one at a time, through one reused table of column bounds. */
class RowReader {
  /** The last column a row is read up to: the fixed ones, or the optional ones after them. */
  private readonly lastColumn: number;
  /** Where each column of the current row starts; column i ends at starts[i + 1] - 1. */
  private readonly starts: Int32Array;
  /** Columns found in the current row. */
  private found = 0;
  private start = 0;
  private end = 0;

  constructor(
    private readonly reply: string,
    private readonly columns: OptionalColumns,
  ) {
    this.lastColumn = Math.max(8, columns.port, columns.agentState, columns.agentPort);
    this.starts = new Int32Array(this.lastColumn + 2);
  }

  /** The row from `start` to `end` (exclusive). */
  read(start: number, end: number): ServerState {
    const { columns } = this;
    this.start = start;
    this.end = end;
    this.found = 0;
    for (let at = start; this.found <= this.lastColumn && at <= end;) {
      this.starts[this.found] = at;
      this.found += 1;
      const space = this.reply.indexOf(' ', at);
      at = space < 0 || space > end ? end + 1 : space + 1;
      this.starts[this.found] = at;
    }
    return {
      backendId: this.number(0),
      backend: this.text(1),
      serverId: this.number(2),
      server: this.text(3),
      address: this.text(4),
      opState: this.number(5),
      adminState: this.number(6),
      weight: this.number(7),
      initialWeight: this.number(8),
      port: this.optional(columns.port),
      agentState: this.optional(columns.agentState),
      agentPort: this.optional(columns.agentPort),
    };
  }

  private text(column: number): string {
    if (column >= this.found) return '';
    return this.reply.slice(this.starts[column], this.starts[column + 1]! - 1);
  }

  private number(column: number): number {
    const value =
      column < this.found
        ? integer(this.reply, this.starts[column]!, this.starts[column + 1]! - 1)
        : NaN;
    if (Number.isNaN(value)) {
      const row = this.reply.slice(this.start, this.end);
      throw new Error(`malformed "show servers state" row: ${row}`);
    }
    return value;
  }

  private optional(column: number): number {
    return column < 0 ? 0 : this.number(column);
  }
}

/** The decimal integer (an optional minus, then digits) from `start` to `end`, else NaN. */
function integer(text: string, start: number, end: number): number {
  const negative = text.charCodeAt(start) === 0x2d;
  let at = negative ? start + 1 : start;
  if (at >= end || end - at > 15) return NaN;
  let value = 0;
  for (; at < end; at += 1) {
    const digit = text.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) return NaN;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
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
