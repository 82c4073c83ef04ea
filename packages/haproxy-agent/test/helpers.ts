import { createConnection } from 'node:net';
import type { LogFields, Logger } from '@lighthouse/core';
import { debugFor } from '@lighthouse/core';
import type { AgentContext, AgentPortState } from '@lighthouse/core';

/** One line a {@link RecordingLogger} received, with its logger's and its own fields merged. */
export interface RecordedLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: LogFields;
}

/** A logger that keeps every line (children write into the same list), for assertions. */
export interface RecordingLogger extends Logger {
  readonly lines: RecordedLine[];
  /** The lines at `level`. */
  at(level: RecordedLine['level']): RecordedLine[];
}

export function recordingLogger(): RecordingLogger {
  const lines: RecordedLine[] = [];
  const make = (base: LogFields): Logger => {
    const emit =
      (level: RecordedLine['level']) =>
      (message: string, fields: LogFields = {}): void => {
        lines.push({ level, message, fields: { ...base, ...fields } });
      };
    return {
      debug: emit('debug'),
      info: emit('info'),
      warn: emit('warn'),
      error: emit('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return Object.assign(make({}), {
    lines,
    at: (level: RecordedLine['level']) => lines.filter((line) => line.level === level),
  });
}

/** The context the reporter gives an agent, with a recording logger. */
export function agentContext(log: Logger = recordingLogger(), service = 'web'): AgentContext {
  return { service, host: '127.0.0.1', log, debug: debugFor('test:haproxy-agent') };
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
