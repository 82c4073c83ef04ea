import { printable } from '@lighthouse/core';
import type { Node } from '@lighthouse/core';

/**
 * The keys of a node's metadata the writer turns into HAProxy settings: `weight`, `state` and
 * `agent_port`/`agent_inter`. Metadata is free-form JSON written by other machines, so every value
 * is checked here, and one that fails is ignored with a warning: nothing unvalidated reaches
 * haproxy.cfg or the admin socket.
 */

/** The node's agent-check: HAProxy polls a herald-style agent on the server's address. */
export interface NodeAgent {
  /** `metadata.agent_port`, 1-65535. */
  port: number;
  /**
   * `metadata.agent_inter` in milliseconds; undefined when the node sets none: then the
   * cluster's `agent-inter` (server_options, default-server) applies, else HAProxy's 2 s.
   */
  interMs?: number;
}

/** What a node's metadata asks of its server, every value validated. */
export interface NodeSettings {
  /** `metadata.weight`, 0-256. */
  weight?: number;
  /** `metadata.state === "drain"`: HAProxy's drain admin state (no new sessions). */
  drain: boolean;
  agent?: NodeAgent;
}

/** Longest `agent_inter` accepted, in seconds: an hour between polls is already no feedback. */
const MAX_AGENT_INTER_S = 3600;

/** A metadata value as a warning shows it: short, JSON when it is JSON, never throwing. */
function shown(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
  } catch {
    text = typeof value;
  }
  return printable(text, 40);
}

function isInteger(value: unknown, min: number, max: number): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
}

function weightOf(node: Node, warn: (message: string) => void): number | undefined {
  const weight = node.metadata['weight'];
  if (weight === undefined || isInteger(weight, 0, 256)) return weight;
  warn(`metadata.weight ${shown(weight)} is not an integer from 0 to 256; ignored`);
  return undefined;
}

/** Only the exact string "drain" drains; another string is a state the writer has no use for. */
function drainOf(node: Node, warn: (message: string) => void): boolean {
  const state = node.metadata['state'];
  if (state === undefined || typeof state === 'string') return state === 'drain';
  warn(`metadata.state ${shown(state)} is not a string; ignored (the server stays ready)`);
  return false;
}

/**
 * A bad `agent_port` or `agent_inter` drops the agent-check altogether rather than guessing: half
 * of an agent configuration is a broken reporter, and the server is still routed (and health
 * checked) without one.
 */
function agentOf(node: Node, warn: (message: string) => void): NodeAgent | undefined {
  const port = node.metadata['agent_port'];
  const inter = node.metadata['agent_inter'];
  if (port === undefined) {
    if (inter !== undefined) warn(`metadata.agent_inter without metadata.agent_port; ignored`);
    return undefined;
  }
  if (!isInteger(port, 1, 65535)) {
    warn(`metadata.agent_port ${shown(port)} is not an integer from 1 to 65535; no agent-check`);
    return undefined;
  }
  if (inter === undefined) return { port };
  const valid =
    typeof inter === 'number' && Number.isFinite(inter) && inter > 0 && inter <= MAX_AGENT_INTER_S;
  if (!valid) {
    warn(
      `metadata.agent_inter ${shown(inter)} is not a number of seconds above 0 and at most ${MAX_AGENT_INTER_S}; no agent-check`,
    );
    return undefined;
  }
  // Whole milliseconds (HAProxy's unit), at least 1: 0.0001 s must not become "0ms".
  return { port, interMs: Math.max(1, Math.round(inter * 1000)) };
}

/** Reads `node`'s metadata; each ignored value is reported through `report`. */
export function nodeSettings(node: Node, report: (message: string) => void): NodeSettings {
  const weight = weightOf(node, report);
  const agent = agentOf(node, report);
  return {
    ...(weight === undefined ? {} : { weight }),
    drain: drainOf(node, report),
    ...(agent === undefined ? {} : { agent }),
  };
}

/** The server keywords of a node's agent-check (the agent's address is the server's). */
export function agentWords(agent: NodeAgent | undefined): string[] {
  if (agent === undefined) return [];
  const inter = agent.interMs === undefined ? [] : ['agent-inter', `${agent.interMs}ms`];
  return ['agent-check', 'agent-port', String(agent.port), ...inter];
}
