// Types for bench/fleet-harness.mjs (imported by test-integration/fleet.test.ts).
import type { ZooKeeperEnsemble } from '@lighthouse/testing';

/** Options of {@link startFleet}. */
export interface FleetOptions {
  writers: number;
  clusters: number;
  registrations: number;
  /** ZooKeeper sessions in this process that share the registrations (round robin). */
  sessions: number;
  /** HTTP servers in one child process; registrations share their ports. */
  backends: number;
  /** `session_timeout` of every session, in seconds (default 10). */
  sessionTimeout?: number;
  /** Admin-socket polling interval while a change is awaited, in ms (default 1). */
  pollIntervalMs?: number;
  /** Progress lines. */
  log?: (line: string) => void;
  /** Node options for every writer process (e.g. `--cpu-prof`), before the CLI's path. */
  writerNodeArgs?: string[];
}

/** A writer's routed set of one cluster that differs from the expected one (or could not be read). */
export interface Mismatch {
  writer: number;
  cluster: string;
  missing?: string[];
  extra?: string[];
  error?: string;
}

export interface RequestFailure {
  time: string;
  writer: number;
  cluster: string;
  /** HTTP status; 0 for a connection error. */
  status: number;
  error?: string;
}

export interface Requests {
  readonly ok: number;
  readonly failures: RequestFailure[];
  stop(): Promise<{ ok: number; failed: number; failures: RequestFailure[] }>;
}

export interface WriterReloads {
  writer: number;
  /** Sum of `lighthouse_haproxy_reloads_total` (reloads, starts, takeovers; any result). */
  total: number;
  /** The non-zero series, by label text. */
  byLabels: Record<string, number>;
  /** `show info` Pid: the current HAProxy worker (a reload starts a new one). */
  workerPid: number;
  /** The HAProxy master's PID (from the pid file, checked in /proc). */
  master: number | undefined;
}

export interface WriterZkPackets {
  writer: number;
  /** Packets the ensemble received on the writer's connection(s) (`cons` recved: requests and pings). */
  recved: number;
  /** `<member id>:<session id>` of each connection. */
  sessions: string[];
  /** Negotiated session timeout, ms (the client pings after a third of it without sending). */
  timeoutMs: number;
}

export interface Usage {
  cpuSeconds: number;
  rssMiB: number;
}

export interface DeployOptions {
  /** Share of the registrations each wave takes (default 0.2). */
  fraction?: number;
  waves?: number;
  /** Registrations in flight at once (default 1). */
  concurrency?: number;
  /** Deadline of each change on all writers, ms (default 10 s). */
  timeoutMs?: number;
}

export interface Fleet {
  readonly work: string;
  readonly ensemble: ZooKeeperEnsemble;
  readonly backendPorts: number[];
  readonly backendsPid: number;
  readonly clusters: string[];
  readonly writers: {
    index: number;
    pid: number;
    configDir: string;
    socketFile: string;
    metricsPort: number;
    ports: Record<string, number>;
    output(): string;
  }[];
  readonly registrations: { cluster: string; name: string; port: number }[];
  readonly sessionConnectAttempts: number[];
  /** The server names currently registered in `cluster`. */
  expected(cluster: string): string[];
  routedOnAllWriters(
    cluster: string,
    expected: Iterable<string>,
  ): Promise<{ ok: boolean; mismatches: Mismatch[] }>;
  /** Every cluster routed exactly as registered on every writer? */
  converged(): Promise<{ ok: boolean; mismatches: Mismatch[] }>;
  waitConverged(timeoutMs?: number): Promise<void>;
  reloads(): Promise<WriterReloads[]>;
  zkPackets(): Promise<WriterZkPackets[]>;
  usage(): Promise<{
    writers: ({ writer: number } & Partial<Usage>)[];
    harness: Usage | undefined;
  }>;
  rollingDeploy(
    options: DeployOptions,
  ): Promise<{ removedMs: number[]; addedMs: number[]; changes: number }>;
  startRequests(options?: { concurrency?: number; pauseMs?: number; timeoutMs?: number }): Requests;
  /** Stops requests, writers, their HAProxies, sessions, backends and the ensemble; removes the temp dir. */
  stop(): Promise<void>;
}

export function startFleet(options: FleetOptions): Promise<Fleet>;
export function serverName(host: string, port: number): string;
export function processUsage(pid: number): Promise<Usage | undefined>;
