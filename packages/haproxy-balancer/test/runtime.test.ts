import { createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { createTempDir, waitFor } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InternalError } from '@lighthouse/core';
import { commandLine } from '../src/runtime/commands.js';
import {
  RuntimeCommandError,
  RuntimeConnectionError,
  RuntimeProtocolError,
} from '../src/runtime/errors.js';
import { RuntimeApi } from '../src/runtime/runtime-api.js';
import { batchLines } from '../src/runtime/admin-socket.js';
import { replyError } from '../src/runtime/commands.js';
import { refusalKind } from '../src/runtime/errors.js';
import { STATE_HEADER } from './state-header.js';

/** The runtime-API client against a fake admin socket that speaks 2.6's prompt protocol. */

/** Replies measured on 2.6.12, by command. */
function reply(command: string): string {
  if (command === 'show servers state') {
    return `1\n${STATE_HEADER}\n3 web 1 a:80 ::1 2 1 7 1 5 1 0 2 0 0 0 0 - 80 - 0 0 - - 0\n\n`;
  }
  if (command.startsWith('add server')) return 'New server registered.\n';
  if (command.startsWith('del server')) return 'No such server.\n';
  return '\n';
}

let dir: TempDir;
let server: Server;
let socketPath: string;
const connections: Socket[] = [];
let received: string[] = [];
let silent = false;
let refusePrompt = false;
/** Extra replies the fake HAProxy writes after a line's own (what a smuggled `;` causes). */
let extra: { reply: string; delayMs?: number } | undefined;
/** A reply that replaces the next one (a reply of the wrong shape). */
let shifted: string | undefined;
/** `show info` as the worker behind the n-th connection answers it (a reload between them). */
let infoFor: ((connection: number) => string) | undefined;

beforeEach(async () => {
  dir = await createTempDir({}, 'lh-runtime-');
  socketPath = join(dir.dir, 'admin.sock');
  received = [];
  silent = false;
  refusePrompt = false;
  extra = undefined;
  shifted = undefined;
  infoFor = undefined;
  server = createServer((socket) => {
    connections.push(socket);
    socket.on('error', () => socket.destroy()); // a client that hung up mid-reply
    let buffer = '';
    let prompt = false;
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => {
      buffer += text;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        received.push(line);
        if (silent) continue;
        if (line === 'prompt' && refusePrompt) {
          socket.destroy();
          return;
        }
        if (line === 'prompt') {
          prompt = true;
          socket.write('\n> ');
          continue;
        }
        const answer = (command: string) =>
          command === 'show info' && infoFor !== undefined
            ? infoFor(connections.indexOf(socket))
            : reply(command);
        const replies = line.split(';').map(answer);
        if (shifted !== undefined) [replies[0], shifted] = [shifted, undefined];
        const framed = (r: string): string => `${r.replace(/\n$/, '')}\n> `;
        if (!prompt) socket.end(replies.join(''));
        else if (extra?.delayMs === undefined) {
          socket.write(
            [...replies, ...(extra === undefined ? [] : [extra.reply])].map(framed).join(''),
          );
        } else {
          socket.write(replies.map(framed).join(''));
          const late = framed(extra.reply);
          setTimeout(() => socket.write(late), extra.delayMs);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
});

afterEach(async () => {
  for (const socket of connections.splice(0)) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
  await dir.cleanup();
});

describe('RuntimeApi', () => {
  it('batches commands on one prompt session and splits the replies', async () => {
    const api = new RuntimeApi(socketPath);
    const outcomes = await api.execute([
      { op: 'add-server', backend: 'web', server: 'a:80', address: '[::1]:80', options: ['check'] },
      { op: 'set-state', backend: 'web', server: 'a:80', state: 'ready' },
      { op: 'del-server', backend: 'web', server: 'b:81' },
    ]);
    expect(received).toEqual([
      'prompt',
      'add server web/a:80 [::1]:80 check;set server web/a:80 state ready;del server web/b:81',
    ]);
    expect(outcomes.map((outcome) => outcome.error?.kind)).toEqual([
      undefined,
      undefined,
      'no-such-server',
    ]);
    const [state] = await api.showServersState();
    expect(state).toMatchObject({
      backend: 'web',
      server: 'a:80',
      address: '::1',
      adminState: 1,
      weight: 7,
      port: 80,
    });
    expect(connections).toHaveLength(1);
    api.reset();
  });

  it('gives each command its own outcome, a refusal typed', async () => {
    const api = new RuntimeApi(socketPath);
    const [deleted, weighted] = await api.execute([
      { op: 'del-server', backend: 'web', server: 'x:1' },
      { op: 'set-weight', backend: 'web', server: 'x:1', weight: 3 },
    ]);
    expect(deleted?.error).toBeInstanceOf(RuntimeCommandError);
    expect(weighted?.error).toBeUndefined();
    api.reset();
  });

  it('reconnects after HAProxy closed the session', async () => {
    const api = new RuntimeApi(socketPath);
    const drain = { op: 'set-state', backend: 'web', server: 'a:80', state: 'drain' } as const;
    await api.execute([drain]);
    connections[0]?.destroy();
    const [ready] = await api.execute([{ ...drain, state: 'ready' }]);
    expect(ready?.error).toBeUndefined();
    expect(received.filter((line) => line === 'prompt')).toHaveLength(2);
    api.reset();
  });

  it('falls back to one connection per command when no session can be established', async () => {
    refusePrompt = true;
    const api = new RuntimeApi(socketPath);
    const outcomes = await api.execute([
      { op: 'set-weight', backend: 'web', server: 'a:80', weight: 2 },
      { op: 'del-server', backend: 'web', server: 'b:81' },
    ]);
    expect(outcomes.map((outcome) => outcome.error?.kind)).toEqual([undefined, 'no-such-server']);
    expect(received).toEqual([
      'prompt',
      'prompt',
      'set server web/a:80 weight 2',
      'del server web/b:81',
    ]);
  });

  it('fails with a connection error when HAProxy does not answer in time', async () => {
    silent = true;
    const api = new RuntimeApi(socketPath, { timeoutMs: 50 });
    await expect(api.raw('show info')).rejects.toBeInstanceOf(RuntimeConnectionError);
    api.reset();
  });

  it('retries a command in flight when the session is reset, instead of hanging', async () => {
    const api = new RuntimeApi(socketPath, { timeoutMs: 60_000 });
    await api.raw('show info'); // the session is up
    silent = true;
    const inFlight = api.raw('show servers state');
    await new Promise((resolve) => setImmediate(resolve));
    // A reset while a command waits (a reload's) must not leave it waiting for a session that is
    // gone: it is retried on a new session, and the commands queued behind it run.
    silent = false;
    api.reset();
    const next = api.raw('show info');
    await expect(inFlight).resolves.toBeDefined();
    await expect(next).resolves.toBeDefined();
    expect(received.filter((line) => line === 'prompt')).toHaveLength(2);
    api.reset();
  });

  it('keeps the session between calls, and closes it after idleMs without one', async () => {
    const api = new RuntimeApi(socketPath, { idleMs: 100 });
    await api.raw('show info');
    await api.raw('show info');
    expect(received.filter((line) => line === 'prompt')).toHaveLength(1);
    const first = connections[0] ?? expect.unreachable();
    await waitFor(() => first.closed, { what: 'the idle session to be closed', timeoutMs: 5_000 });
    await api.raw('show info');
    expect(received.filter((line) => line === 'prompt')).toHaveLength(2);
    api.reset();
  });

  it('leaves a session whose worker is stopping (reloaded meanwhile) and reads the new one', async () => {
    // Connection 0 is the worker a reload replaced: it still answers, and says it is stopping.
    infoFor = (connection) =>
      connection === 0 ? 'Pid: 100\nStopping: 1\n' : 'Pid: 200\nStopping: 0\n';
    const api = new RuntimeApi(socketPath);
    const { worker, servers } = await api.workerAndServers();
    expect(worker).toBe(200);
    expect(servers.map((state) => state.server)).toEqual(['a:80']);
    expect(connections[0]?.closed).toBe(true);
    expect(received.filter((line) => line === 'show info;show servers state')).toHaveLength(2);
    api.reset();
  });

  it('fails with a connection error when nothing listens', async () => {
    const api = new RuntimeApi(join(dir.dir, 'missing.sock'));
    await expect(api.showServersState()).rejects.toThrow(/missing\.sock: ENOENT/);
  });
});

describe('admin-socket injection (a ";" reaching the socket)', () => {
  const weight = { op: 'set-weight', backend: 'web', server: 'a:80', weight: 2 } as const;

  it('commandLine refuses ";", whitespace, empty words and control characters in any argument', () => {
    const add = {
      op: 'add-server',
      backend: 'web',
      server: 'a:80',
      address: '10.0.0.1:80',
    } as const;
    expect(commandLine({ ...add, options: ['check', 'inter', '2s'] })).toBe(
      'add server web/a:80 10.0.0.1:80 check inter 2s',
    );
    for (const options of [['inter', '2s;show'], ['inter 2s'], [''], ['inter', '2s\nshow']]) {
      expect(() => commandLine({ ...add, options })).toThrow(InternalError);
    }
    expect(() => commandLine({ ...weight, server: 'a:80;show' })).toThrow(/refusing to send/);
    expect(() => commandLine({ ...weight, backend: 'w eb' })).toThrow(InternalError);
    expect(() => commandLine({ ...add, address: '10.0.0.1:80\r', options: [] })).toThrow(
      InternalError,
    );
  });

  it('writes nothing to the socket for an unsafe command, planned or raw', async () => {
    const api = new RuntimeApi(socketPath);
    const add = {
      op: 'add-server',
      backend: 'web',
      server: 'a:80',
      address: '10.0.0.1:80',
    } as const;
    await expect(api.execute([{ ...add, options: ['check;show'] }])).rejects.toThrow(InternalError);
    await expect(api.raw('show info;show servers state')).rejects.toThrow(InternalError);
    await expect(api.raw('show info\nshow stat')).rejects.toThrow(InternalError);
    expect(received).toEqual([]);
    api.reset();
  });

  it('resets the session when a line gets more replies than commands', async () => {
    const api = new RuntimeApi(socketPath);
    await api.execute([weight]);
    extra = { reply: 'New server registered.\n' };
    await expect(api.execute([weight])).rejects.toBeInstanceOf(RuntimeProtocolError);
    extra = undefined;
    // The leftover is gone with the session: the next reply is its own, on a new session.
    const [state] = await api.showServersState();
    expect(state?.server).toBe('a:80');
    expect(received.filter((line) => line === 'prompt')).toHaveLength(2);
    api.reset();
  });

  it('resets the session when a reply arrives after the exchange ended', async () => {
    const api = new RuntimeApi(socketPath);
    extra = { reply: 'New server registered.\n', delayMs: 10 };
    await expect(api.execute([weight])).resolves.toEqual([{ command: weight }]);
    extra = undefined;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const [state] = await api.showServersState();
    expect(state?.server).toBe('a:80');
    expect(received.filter((line) => line === 'prompt')).toHaveLength(2);
    api.reset();
  });

  it('resets the session when a reply has the wrong shape', async () => {
    const api = new RuntimeApi(socketPath);
    await api.execute([weight]);
    shifted = 'New server registered.\n';
    await expect(api.showServersState()).rejects.toThrow(/unexpected "show servers state"/);
    await expect(api.showServersState()).resolves.toHaveLength(1);
    shifted = 'Unknown command: show\n';
    const [outcome] = await api.execute([weight]);
    expect(outcome?.error?.kind).toBe('unknown-command');
    await api.execute([weight]);
    expect(received.filter((line) => line === 'prompt')).toHaveLength(3);
    api.reset();
  });
});

describe('batchLines', () => {
  it('keeps each ;-joined line under the limit, a long command alone', () => {
    expect(batchLines(['aaaa', 'bbbb', 'cccc', 'x'.repeat(20), 'd'], 10)).toEqual([
      ['aaaa', 'bbbb'],
      ['cccc'],
      ['x'.repeat(20)],
      ['d'],
    ]);
  });
});

describe('reply classification (2.6.12 texts)', () => {
  it('knows the refusals', () => {
    expect(refusalKind('No such backend.\n\n')).toBe('no-such-backend');
    expect(refusalKind('Already exists a server with the same name in backend.\n')).toBe(
      'already-exists',
    );
    expect(
      refusalKind('Backend must use a dynamic load balancing to support dynamic servers.\n'),
    ).toBe('not-dynamic');
    expect(refusalKind('Server still has connections attached to it, cannot remove it.\n')).toBe(
      'server-busy',
    );
    expect(refusalKind('Only servers in maintenance mode can be deleted.\n')).toBe(
      'not-in-maintenance',
    );
    expect(
      refusalKind('Unknown command, but maybe one of the following ones is a better match:\n'),
    ).toBe('unknown-command');
    expect(refusalKind("'cookie' option is not accepted for dynamic server\n")).toBe('refused');
  });

  it('accepts only the success reply of each command', () => {
    const target = { backend: 'b', server: 's' };
    expect(replyError({ op: 'set-weight', ...target, weight: 2 }, '\n')).toBeUndefined();
    expect(replyError({ op: 'set-weight', ...target, weight: 2 }, 'No such server.\n')?.kind).toBe(
      'no-such-server',
    );
    expect(replyError({ op: 'del-server', ...target }, 'Server deleted.\n')).toBeUndefined();
    expect(replyError({ op: 'del-server', ...target }, '\n')).toBeInstanceOf(RuntimeCommandError);
    const agentPort = { op: 'set-agent-port', ...target, port: 6000 } as const;
    expect(commandLine(agentPort)).toBe('set server b/s agent-port 6000');
    expect(replyError(agentPort, '\n')).toBeUndefined();
    expect(replyError(agentPort, 'agent checks are not enabled on this server\n')).toBeInstanceOf(
      RuntimeCommandError,
    );
    const addr = { op: 'set-addr', ...target, ip: '10.0.0.2', port: 80 } as const;
    expect(
      replyError(addr, "IP changed from '10.0.0.1' to '10.0.0.2' by 'stats socket command'\n"),
    ).toBeUndefined();
  });
});
