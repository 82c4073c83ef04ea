import Type from 'typebox';
import { defineBalancer } from '@lighthouse/core';
import type { BalancerPlugin, BalancerReport, ClusterState } from '@lighthouse/core';
import { waitFor } from './wait-for.js';
import type { WaitForOptions } from './wait-for.js';

/**
 * Records every topology a writer hands to the balancer, can make a sync fail, and answers
 * `describe()` (by default from the last sync; {@link describeWith} replaces the answer).
 */
export class BalancerRecorder {
  /** Every successful `sync` call's topology, oldest first. */
  readonly syncs: ClusterState[][] = [];
  /** Configs the balancer instances were created with, oldest first. */
  readonly configs: unknown[] = [];
  /** How many times `describe()` was called. */
  describeCalls = 0;
  private failures: Error[] = [];
  private describer: (() => BalancerReport | Promise<BalancerReport>) | undefined;

  /** The most recent topology, or undefined before the first sync. */
  last(): ClusterState[] | undefined {
    return this.syncs.at(-1);
  }

  /** The most recent node names of `cluster` (`host:port`, sorted). */
  members(cluster: string): string[] | undefined {
    return this.last()
      ?.find((state) => state.name === cluster)
      ?.nodes.map((node) => `${node.host}:${node.port}`);
  }

  /** Makes the next sync reject. */
  failNext(error = new Error('injected sync failure')): void {
    this.failures.push(error);
  }

  /** Waits until the latest topology satisfies `predicate`. */
  async waitFor(
    predicate: (topology: ClusterState[]) => boolean,
    options: WaitForOptions = {},
  ): Promise<ClusterState[]> {
    return waitFor(
      () => {
        const last = this.last();
        return last !== undefined && predicate(last) ? last : undefined;
      },
      { what: 'a matching balancer sync', ...options },
    );
  }

  /**
   * Makes `describe()` answer what `describer` returns (or throws, or never resolves) instead of
   * the default: each member of the last sync as `ready` (`drain` when its metadata says so).
   */
  describeWith(describer: () => BalancerReport | Promise<BalancerReport>): void {
    this.describer = describer;
  }

  /** @internal What the balancer's `describe()` answers. */
  async describe(): Promise<BalancerReport> {
    this.describeCalls += 1;
    if (this.describer !== undefined) return this.describer();
    return {
      clusters: (this.last() ?? []).map((cluster) => ({
        name: cluster.name,
        members: cluster.nodes.map((node) => ({
          name: `${node.host}:${node.port}`,
          address: node.ip,
          port: node.port,
          state: node.metadata['state'] === 'drain' ? 'drain' : 'ready',
        })),
      })),
      reloads: [],
      facts: { syncs: this.syncs.length },
    };
  }

  /** @internal */
  record(topology: readonly ClusterState[]): void {
    const failure = this.failures.shift();
    if (failure !== undefined) throw failure;
    this.syncs.push(structuredClone([...topology]));
  }
}

/** Schema of the recording balancer's files: anything goes in its cluster section. */
export const RecordingBalancerConfig = Type.Object({}, { additionalProperties: true });
export const RecordingClusterConfig = Type.Object(
  {
    port: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 65535,
        description: 'A port, to make sections differ in tests.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** A balancer plugin (default name `recording`) that records into `recorder`. */
export function recordingBalancerPlugin(
  recorder: BalancerRecorder,
  name = 'recording',
): BalancerPlugin<typeof RecordingBalancerConfig, typeof RecordingClusterConfig> {
  return defineBalancer({
    name,
    description: 'Records every sync, for tests.',
    configSchema: RecordingBalancerConfig,
    clusterSchema: RecordingClusterConfig,
    create: (config) => {
      recorder.configs.push(config);
      return {
        sync: async (clusters) => recorder.record(clusters),
        describe: () => recorder.describe(),
      };
    },
  });
}
