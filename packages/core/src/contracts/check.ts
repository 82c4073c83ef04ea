import type { TSchema } from 'typebox';
import type { PluginContext } from './context.js';

/** The (host, port) a check instance probes. */
export interface CheckTarget {
  host: string;
  port: number;
}

/** A detailed check outcome; `reason` shows up in logs and in the health endpoint. */
export interface CheckResult {
  ok: boolean;
  reason?: string;
}

/**
 * One health check bound to one (service, port). The engine owns the interval, the timeout
 * (it aborts `signal`) and rise/fall; `perform` only answers "healthy right now?".
 * Throwing or rejecting counts as a failure, with the error message as the reason.
 */
export interface Check {
  perform(signal: AbortSignal): Promise<boolean | CheckResult>;
  /** Releases anything the check holds (sockets, agents). Called when the check is removed. */
  dispose?(): Promise<void>;
}

/** Context for {@link CheckPlugin.create}: where to probe and for which service. */
export interface CheckContext extends PluginContext {
  target: CheckTarget;
  service: string;
}
export type { TSchema };
