import { createConnection } from 'node:net';
import type { Logger } from '@lighthouse/core';
import { debugFor, noopMetrics } from '@lighthouse/core';
import type { AgentContext, AgentPortState } from '@lighthouse/core';
import { recordingLogger } from '@lighthouse/testing';

// The shared recording logger, re-exported for this package's tests that import it from here.
export { recordingLogger };

/** The context the reporter gives an agent, with a recording logger. */
export function agentContext(log: Logger = recordingLogger(), service = 'web'): AgentContext {
  return {
    service,
    host: '127.0.0.1',
    log,
    debug: debugFor('test:haproxy-agent'),
    metrics: noopMetrics,
  };
}

/** A healthy port without maintenance. */
export function healthy(port = 8080): AgentPortState {
  return { port, healthy: true };
}

/** A failing port. */
export function failing(port = 8080, reason = 'connection refused'): AgentPortState {
  return { port, healthy: false, reason };
}

/** `port` with a maintenance entry. */
export function inMaintenance(
  port: AgentPortState,
  mode: 'down' | 'drain',
  reason = 'deploy',
): AgentPortState {
  return { ...port, maintenance: { mode, reason } };
}

/**
 * Connects like HAProxy's agent check: optionally sends `send` (HAProxy's `agent-send`), then
 * collects everything until the agent closes. Resolves with the raw text received.
 */
export function askAgent(port: number, send?: string, host = '127.0.0.1'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host, port });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => {
      if (send !== undefined) socket.write(send);
    });
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}
