import { createConnection, createServer } from 'node:net';
import type { Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isLighthouseError } from '@lighthouse/core';
import { startAgentServer } from '../src/server.js';
import type { AgentServer } from '../src/server.js';
import { askAgent, recordingLogger } from './helpers.js';

const running: AgentServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

async function start(reply: () => string, log = recordingLogger()): Promise<AgentServer> {
  const server = await startAgentServer({ host: '127.0.0.1', port: 0, reply, log });
  running.push(server);
  return server;
}

/** A client that keeps its side open after the agent's answer (half-open), until destroyed. */
function halfOpenClient(port: number): Promise<{ received: () => string; destroy: () => void }> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port, allowHalfOpen: true });
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (received += chunk));
    socket.on('error', () => undefined);
    socket.on('connect', () =>
      resolve({ received: () => received, destroy: () => socket.destroy() }),
    );
    socket.once('error', reject);
  });
}

describe('agent server', () => {
  it('answers each connection with exactly one line, then closes', async () => {
    let answers = 0;
    const server = await start(() => `up ready ${++answers}%`);
    expect(await askAgent(server.address.port)).toBe('up ready 1%\n');
    expect(await askAgent(server.address.port)).toBe('up ready 2%\n');
  });

  it('ignores what HAProxy sends (agent-send), however much', async () => {
    const server = await start(() => 'up ready 40%');
    expect(await askAgent(server.address.port, 'web/haproxy\n')).toBe('up ready 40%\n');
    expect(await askAgent(server.address.port, 'x'.repeat(256 * 1024))).toBe('up ready 40%\n');
  });

  it('sends an empty line (HAProxy: no change) when computing the answer throws', async () => {
    const log = recordingLogger();
    const server = await start(() => {
      throw new Error('boom');
    }, log);
    expect(await askAgent(server.address.port)).toBe('\n');
    expect(log.at('error')).toEqual([
      expect.objectContaining({
        message: 'computing the agent answer failed',
        fields: { error: 'boom' },
      }),
    ]);
  });

  it('answers 1,000 concurrent connections, every one of them', async () => {
    const server = await start(() => 'up ready 75%');
    const answers = await Promise.all(
      Array.from({ length: 1_000 }, () => askAgent(server.address.port)),
    );
    expect(answers.filter((answer) => answer === 'up ready 75%\n')).toHaveLength(1_000);
  });

  it('close() stops listening and cuts open connections at once', async () => {
    const server = await start(() => 'up ready 75%');
    const clients = await Promise.all(
      Array.from({ length: 20 }, () => halfOpenClient(server.address.port)),
    );
    for (const client of clients) {
      await expect.poll(() => client.received()).toBe('up ready 75%\n');
    }
    // The peers keep their side open, so the server's sockets stay until the agent's 5 s
    // timeout; net.Server's close callback waits for every one of them, so a prompt close
    // proves they were destroyed.
    const started = performance.now();
    await server.close();
    expect(performance.now() - started).toBeLessThan(500);
    for (const client of clients) client.destroy();
    await expect(askAgent(server.address.port)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await server.close(); // idempotent
  });

  it('rejects with a clear message when the port is taken', async () => {
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    try {
      const attempt = startAgentServer({
        host: '127.0.0.1',
        port,
        reply: () => '',
        log: recordingLogger(),
        owner: 'the haproxy agent of service "web"',
      });
      await expect(attempt).rejects.toThrow(
        `the haproxy agent of service "web" cannot start: port ${port} is in use (listen_address 127.0.0.1)`,
      );
      const error: unknown = await attempt.catch((caught: unknown) => caught);
      expect(isLighthouseError(error)).toBe(true);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  it('rejects with a clear message for an address that is not this machine’s', async () => {
    await expect(
      startAgentServer({ host: '192.0.2.1', port: 0, reply: () => '', log: recordingLogger() }),
    ).rejects.toThrow(
      'the haproxy agent cannot start: 192.0.2.1 is not an address of this machine',
    );
  });
});
