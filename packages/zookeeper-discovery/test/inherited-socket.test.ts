import { readdir, readlink } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startHAProxy, startZooKeeper } from '@lighthouse/testing';
import type { HAProxyServer, ZooKeeperServer } from '@lighthouse/testing';
import { closeAll, discoveryFor, uniqueBase } from './support.js';

/** The sockets (`socket:[inode]`) a process holds open. */
async function sockets(pid: number | 'self'): Promise<Set<string>> {
  const links = await Promise.all(
    (await readdir(`/proc/${pid}/fd`)).map((fd) =>
      readlink(`/proc/${pid}/fd/${fd}`).catch(() => ''),
    ),
  );
  return new Set(links.filter((link) => link.startsWith('socket:')));
}

let started: (ZooKeeperServer | HAProxyServer)[] = [];
afterEach(async () => {
  await closeAll();
  await Promise.all(started.map((server) => server.stop()));
  started = [];
});

/**
 * The native client leaves its socket inheritable. A server a test starts while a session is
 * open must not hold that socket: after the session's server restarts, the stale registration
 * made the client give up every new session as "expired" while the holder lived (a CI failure of
 * the restart test in session.test.ts).
 */
describe('servers started by @lighthouse/testing', () => {
  it('do not inherit an open ZooKeeper client socket', async () => {
    const zk = await startZooKeeper();
    started.push(zk);
    const { discovery } = discoveryFor({ hosts: [zk.connectString], path: uniqueBase() });
    await discovery.connect();
    const ours = await sockets('self');

    const second = await startZooKeeper();
    started.push(second);
    const haproxy = await startHAProxy('backend be\n  server s1 127.0.0.1:9');
    started.push(haproxy);

    for (const pid of [second.pid, haproxy.pid]) {
      const shared = [...(await sockets(pid))].filter((socket) => ours.has(socket));
      expect(shared).toEqual([]);
    }
  });
});
