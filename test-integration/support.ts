import type { ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { noopMetrics, silentLogger } from '@lighthouse/core';
import type { Node } from '@lighthouse/core';
import { spawnClean } from '@lighthouse/testing';
import { zookeeperDiscovery } from '@lighthouse/zookeeper-discovery';
import debug from 'debug';

/** The built CLI as the monorepo ships it: @lighthouse/all's bin, with every first-party plugin. */
export const lighthouseBin = fileURLToPath(
  new URL('../packages/all/bin/lighthouse.js', import.meta.url),
);

/** A `lighthouse` process with its combined output collected (for failure messages). */
export interface CliProcess {
  child: ChildProcess;
  output(): string;
  /** Sends `signal` and resolves with the exit code (or the signal name). */
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

/** Where to run a CLI: `bin` is the script (default {@link lighthouseBin}). */
export interface CliRunOptions {
  cwd?: string;
  bin?: string;
}

/** Starts `lighthouse <args>` as a real process. */
export function startCli(args: readonly string[], options: CliRunOptions = {}): CliProcess {
  // Started clean: a daemon must not hold the test's own ZooKeeper sockets (see spawnClean).
  const child = spawnClean(process.execPath, [options.bin ?? lighthouseBin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', DEBUG: '' },
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return {
    child,
    output: () => output,
    stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/** A real ZooKeeper client watching a cluster, the way a writer sees it. */
export async function watchCluster(connectString: string, path: string, cluster: string) {
  const discovery = await zookeeperClient(connectString, path);
  let latest: readonly Node[] | undefined;
  await discovery.watch(cluster, (nodes) => (latest = nodes));
  return {
    /** The latest node set, or undefined before the first report. */
    nodes: () => latest,
    close: () => discovery.close(),
  };
}

/** Runs `lighthouse <args>` to completion. */
export async function runCliOnce(
  args: readonly string[],
  options: CliRunOptions = {},
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawnClean(process.execPath, [options.bin ?? lighthouseBin, ...args], {
    cwd: options.cwd,
    env: { ...process.env, NO_COLOR: '1', DEBUG: '' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | string>((resolve) =>
    child.once('exit', (exit, signal) => resolve(exit ?? signal ?? -1)),
  );
  return { code, stdout, stderr };
}

/** A connected ZooKeeper discovery client, as a reporter elsewhere in the fleet would use. */
export async function zookeeperClient(connectString: string, path: string) {
  const discovery = await zookeeperDiscovery.create(
    { hosts: [connectString], path, session_timeout: 4 },
    { debug: debug('lighthouse:test'), log: silentLogger, metrics: noopMetrics },
  );
  await discovery.connect();
  return discovery;
}
