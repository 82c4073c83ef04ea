import type { PluginContext } from '../contracts/context.js';
import type { Metrics } from '../contracts/metrics.js';
import type { PluginKind } from '../define.js';
import { describeError } from '../errors.js';
import { debugFor } from '../log.js';
import { noopMetrics } from '../metrics/noop.js';
import type { Logger } from '../log.js';
import { settleWithin } from './run-check.js';
import type { Settled } from './run-check.js';

/** How long a discovery's or balancer's `create()` may take before it counts as failed. */
export const CREATE_TIMEOUT_MS = 10_000;

/** What {@link instantiate} needs to create one plugin instance. */
export interface InstanceSpec<T> {
  kind: PluginKind;
  /** The instance's name: its file (`discovery/<name>.yaml`) or check name. */
  name: string;
  logger: Logger;
  /** The daemon's metrics, handed to the plugin as `context.metrics`. Default: record nothing. */
  metrics?: Metrics;
  /** Calls the plugin's `create` with the context core built for it. */
  create: (context: PluginContext) => T | Promise<T>;
  /** Releases an instance whose `create` finished after the deadline or the stop. */
  release: (late: T) => unknown;
  /** Default {@link CREATE_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Gives up at once when this fires (the daemon is stopping). */
  stop?: AbortSignal;
  /**
   * Logged as an error with the plugin and the cause when creation fails (e.g. "balancer could
   * not be created"); leave out when the caller reports the failure another way (a check's reason).
   */
  failureMessage?: string;
}

/**
 * The one place plugin instances are made: every `create()` gets the same context (a
 * `lighthouse:plugin:<kind>:<name>` debug namespace and a tagged logger), the same deadline, and
 * the same treatment of a late instance (released, never leaked) and of a throw (a reason, never
 * a crash of the daemon).
 */
export async function instantiate<T>(spec: InstanceSpec<T>): Promise<Settled<T>> {
  const timeoutMs = spec.timeoutMs ?? CREATE_TIMEOUT_MS;
  const created = await settleWithin(
    () => spec.create(pluginContext(spec)),
    timeoutMs,
    spec.stop ?? new AbortController().signal,
    (late) => void releaseQuietly(spec, late),
  );
  if (!created.ok && spec.failureMessage !== undefined) {
    spec.logger.error(spec.failureMessage, {
      plugin: `${spec.kind}/${spec.name}`,
      error: created.reason,
    });
  }
  return created;
}

async function releaseQuietly<T>(spec: InstanceSpec<T>, late: T): Promise<void> {
  try {
    await spec.release(late);
  } catch (error) {
    spec.logger.warn('releasing a plugin instance created too late failed', {
      plugin: `${spec.kind}/${spec.name}`,
      error: describeError(error),
    });
  }
}

/**
 * The context every plugin instance gets: `lighthouse:plugin:<kind>:<name>`, a tagged logger and
 * the daemon's metrics.
 */
function pluginContext({
  kind,
  name,
  logger,
  metrics,
}: Pick<InstanceSpec<unknown>, 'kind' | 'name' | 'logger' | 'metrics'>): PluginContext {
  return {
    debug: debugFor(`plugin:${kind}:${name}`),
    log: logger.child({ plugin: `${kind}/${name}` }),
    metrics: metrics ?? noopMetrics,
  };
}
