import { createServer } from 'node:net';
import type * as Net from 'node:net';
import type { Server, Socket } from 'node:net';
import { join } from 'node:path';
import { createTempDir, waitFor } from '@lighthouse/testing';
import type { TempDir } from '@lighthouse/testing';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RuntimeConnectionError, RuntimeProtocolError } from '../src/runtime/errors.js';
import { PromptSession } from '../src/runtime/prompt-session.js';
import { seededRandom } from './seeded-random.js';

/**
 * PromptSession's reply splitting against a fake HAProxy in prompt mode that writes its output in
 * chosen pieces. Each piece is written once the session's socket has read the ones before, so the
 * session gets (at least) those chunk boundaries instead of what the kernel happens to coalesce.
 */

/** The sockets the session opens, to see what they have read. */
const opened = vi.hoisted(() => ({ sockets: [] as Socket[] }));
vi.mock('node:net', async (importOriginal) => {
  const net = await importOriginal<typeof Net>();
  return {
    ...net,
    createConnection: (path: string): Socket => {
      const socket = net.createConnection(path);
      opened.sockets.push(socket);
      return socket;
    },
  };
});

const PROMPT = '\n> ';

/** A reply as HAProxy frames it in prompt mode: its text (ending in `\n`), then `> `. */
const framed = (reply: string): string => `${reply}> `;

/** `text` cut into pieces of `sizes` (cycled), the last piece what remains. */
function cut(text: string, sizes: readonly number[]): string[] {
  const pieces: string[] = [];
  for (let start = 0, index = 0; start < text.length; index++) {
    const size = sizes[index % sizes.length] ?? text.length;
    pieces.push(text.slice(start, start + size));
    start += size;
  }
  return pieces;
}

let dir: TempDir;
let server: Server;
let socketPath: string;
let session: PromptSession;
const connections: Socket[] = [];
/** The command lines HAProxy received, `prompt` included. */
let received: string[] = [];
/**
 * What the current test's fake HAProxy did: how many command lines it answered (every piece read
 * by the session, or it hung up) and what failed. One object per test: a server's answering may
 * finish after its test did (it polls what the session read), and must not count in the next.
 */
let served: { answered: number; errors: unknown[] };
/** The pieces HAProxy writes for a command line (not `prompt`, always answered `\n> `). */
let answer: (line: string) => string[];

beforeEach(async () => {
  dir = await createTempDir({}, 'lh-prompt-session-');
  socketPath = join(dir.dir, 'admin.sock');
  opened.sockets.length = 0;
  received = [];
  const ours = { answered: 0, errors: [] as unknown[] };
  served = ours;
  answer = (line) => [
    line
      .split(';')
      .map((command) => framed(`${command}: done\n`))
      .join(''),
  ];
  server = createServer((connection) => {
    connections.push(connection);
    // The session's socket: it connects before HAProxy accepts, one at a time.
    const client = opened.sockets.at(-1);
    connection.on('error', () => connection.destroy()); // a session dropped mid-reply
    connection.setEncoding('utf8');
    let written = 0;
    const send = (text: string): void => {
      written += Buffer.byteLength(text);
      connection.write(text);
    };
    /** Waits until the session has read everything written (or was dropped). */
    const read = async (session: Socket): Promise<void> => {
      await waitFor(() => session.destroyed || session.bytesRead >= written, {
        intervalMs: 1,
        what: `the session to read ${written} bytes`,
      });
    };
    let buffer = '';
    let answering = Promise.resolve();
    connection.on('data', (text: string) => {
      buffer += text;
      for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
        const line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        received.push(line);
        if (line === 'prompt') {
          send(PROMPT);
          continue;
        }
        answering = answering
          .then(async () => {
            if (client === undefined) throw new Error('no session socket for the connection');
            for (const piece of answer(line)) {
              await read(client);
              send(piece);
            }
            await read(client);
            ours.answered++;
          })
          .catch((error: unknown) => {
            ours.errors.push(error);
          });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  session = new PromptSession(socketPath, 10_000);
});

afterEach(async () => {
  session.close();
  for (const connection of connections.splice(0)) connection.destroy();
  await new Promise((resolve) => server.close(resolve));
  await dir.cleanup();
  expect(served.errors).toEqual([]);
});

describe('PromptSession reply splitting', () => {
  it('joins a reply written in small pieces, the prompt split between them, byte for byte', async () => {
    const reply = 'line one\n>not a prompt\nline\n>two\n\n';
    const output = framed(reply);
    const promptAt = output.length - PROMPT.length;
    const notPrompt = output.indexOf('\n>t');
    const chunkings = [
      cut(output, [1]),
      cut(output, [3, 5, 2]),
      // `\n` | `> `
      [output.slice(0, promptAt + 1), output.slice(promptAt + 1)],
      // `\n>` | ` `
      [output.slice(0, promptAt + 2), output.slice(promptAt + 2)],
      // `\n` | `>` | ` `: the prompt's start in two chunks before the one that ends it
      [output.slice(0, promptAt + 1), '>', ' '],
      // `\n>` that is no prompt, at the end of a chunk
      [output.slice(0, notPrompt + 2), output.slice(notPrompt + 2)],
    ];
    for (const pieces of chunkings) {
      expect(pieces.join('')).toBe(output);
      answer = () => pieces;
      await expect(session.exchange('show info', 1)).resolves.toEqual([reply]);
    }
    expect(received.filter((line) => line === 'prompt')).toHaveLength(1);
  });

  it('gives back an empty reply as its `\\n`, also when only the prompt is split', async () => {
    answer = () => [framed('\n')];
    await expect(session.exchange('set server web/a weight 2', 1)).resolves.toEqual(['\n']);
    answer = () => ['\n', '>', ' '];
    await expect(session.exchange('set server web/a weight 3', 1)).resolves.toEqual(['\n']);
    expect(received).toEqual(['prompt', 'set server web/a weight 2', 'set server web/a weight 3']);
  });

  it('joins a reply of more than 2 MB in many chunks, byte for byte', async () => {
    const rows: string[] = ['1', '# be_id be_name srv_id srv_name srv_addr'];
    for (let id = 0; rows.length < 40_000; id++) {
      const address = `10.${id >> 16}.${(id >> 8) & 255}.${id & 255}`;
      rows.push(`3 web ${id} srv-${id}:80 ${address} 2 0 1 1 5 1 0 2 0 0 0 0 - 80 - 0 0 - - 0`);
    }
    const reply = `${rows.join('\n')}\n\n`;
    expect(reply.length).toBeGreaterThan(2 * 1024 * 1024);
    // Pieces of a prime size, their ends anywhere in the rows, then `\n` | `> `.
    const output = framed(reply);
    const pieces = [...cut(output.slice(0, -2), [65_521]), output.slice(-2)];
    expect(pieces.length).toBeGreaterThan(30);
    answer = () => pieces;
    const [got, ...rest] = await session.exchange('show servers state', 1);
    expect(rest).toEqual([]);
    expect(got?.length).toBe(reply.length);
    expect(got === reply).toBe(true);
  });

  it('splits the replies of 500 commands in order, whatever the chunks they arrive in', async () => {
    const commands = Array.from({ length: 500 }, (_, index) => `set server web/s${index} weight 1`);
    // Replies of HAProxy's shapes: empty, one line, several lines, one with a `> ` line.
    const replyOf = (index: number): string =>
      ['\n', `No such server.\n`, `${'row\n'.repeat(index % 9)}\n`, `> quoted ${index}\n`][
        index % 4
      ] ?? '';
    const replies = commands.map((_, index) => replyOf(index));
    const output = replies.map(framed).join('');
    for (const seed of [1, 2, 3]) {
      const random = seededRandom(seed);
      const sizes = Array.from({ length: 97 }, () => 1 + Math.floor(random() * 120));
      answer = () => cut(output, sizes);
      await expect(session.exchange(commands.join(';'), commands.length)).resolves.toEqual(replies);
    }
    expect(received.filter((line) => line === 'prompt')).toHaveLength(1);
  });

  it('rejects more replies than commands, and the next exchange reconnects', async () => {
    // The second reply's prompt ends in the chunk that carries a third reply.
    answer = () => ['New server registered.\n> No such server.\n', '> Server deleted.\n> '];
    const exchange = session.exchange('add server web/a 10.0.0.1:80;del server web/b', 2);
    await expect(exchange).rejects.toBeInstanceOf(RuntimeProtocolError);
    await expect(exchange).rejects.toThrow(/more replies than the 2 command\(s\) sent/);
    expect(opened.sockets[0]?.destroyed).toBe(true);
    answer = () => [framed('New server registered.\n')];
    await expect(session.exchange('add server web/a 10.0.0.1:80', 1)).resolves.toEqual([
      'New server registered.\n',
    ]);
    expect(received.filter((line) => line === 'prompt')).toHaveLength(2);
  });

  it('drops the session on output while no command ran', async () => {
    await expect(session.exchange('show info', 1)).resolves.toEqual(['show info: done\n']);
    connections[0]?.write('x');
    await waitFor(() => opened.sockets[0]?.destroyed, { what: 'the session to be dropped' });
    await expect(session.exchange('show info', 1)).resolves.toEqual(['show info: done\n']);
    expect(received.filter((line) => line === 'prompt')).toHaveLength(2);
  });

  it('rejects an exchange closed mid-reply, and the next one gets only its own reply', async () => {
    answer = () => ['half a reply\n', '>'];
    const exchange = session.exchange('show info', 1);
    await waitFor(() => served.answered === 1, { what: 'the partial reply to be read' });
    session.close();
    await expect(exchange).rejects.toBeInstanceOf(RuntimeConnectionError);
    answer = () => [' other\n> '];
    await expect(session.exchange('show info', 1)).resolves.toEqual([' other\n']);
    expect(received.filter((line) => line === 'prompt')).toHaveLength(2);
  });
});
