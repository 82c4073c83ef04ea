import { readFile } from 'node:fs/promises';
import { encodeNode } from '@lighthouse/core';
import { waitFor } from '@lighthouse/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startZooKeeper } from '@lighthouse/testing';
import type { ZooKeeperServer } from '@lighthouse/testing';
import { Permission, ZooKeeperError } from '../src/native-client.js';
import {
  closeAll,
  createPath,
  discoveryFor,
  messages,
  node,
  otherClient,
  uniqueBase,
} from './support.js';

const fixture = new URL('./fixtures/lighthouse-1.0-node.txt', import.meta.url);

let zk: ZooKeeperServer;
beforeAll(async () => {
  zk = await startZooKeeper();
});
afterAll(async () => {
  await zk?.stop();
});
afterEach(closeAll);

/** A discovery connected to the shared server under a fresh base path. */
async function connected(extra: { auth?: { scheme: 'digest'; credentials: string } } = {}) {
  const base = uniqueBase();
  const opened = discoveryFor({ hosts: [zk.connectString], path: base, ...extra });
  await opened.discovery.connect();
  return { ...opened, base };
}

describe('publish', () => {
  it('creates an ephemeral znode at <path>/<service>/<host>:<port> with the 1.0 payload bytes', async () => {
    const { discovery, base } = await connected();
    const advertised = {
      host: 'localhost',
      ip: '127.0.0.1',
      port: 28101,
      metadata: { role: 'primary' },
      peer: { ip: '127.0.0.1', name: 'localhost', port: 1024 },
    };
    await discovery.publish([{ service: 'webapp', node: advertised }]);

    const reader = await otherClient(zk.connectString);
    const { data, stat } = await reader.get(`${base}/webapp/localhost:28101`);
    expect(data.toString('utf8')).toBe(await readFile(fixture, 'utf8'));
    expect(stat.ephemeralOwner).toBe(discovery.session.sessionId);
    // Parents are persistent and empty, as 1.0 creates them.
    const parent = await reader.get(`${base}/webapp`);
    expect(parent.stat.ephemeralOwner).toBe('0');
    expect(parent.data.length).toBe(0);
  });

  it('hands a registration over to a successor without a tug of war once released', async () => {
    const { discovery: old, base } = await connected();
    const successor = discoveryFor({ hosts: [zk.connectString], path: base }).discovery;
    await successor.connect();
    const registration = { service: 'web', node: node('host-a', 8080) };
    const path = `${base}/web/host-a:8080`;
    await old.publish([registration]);
    await old.release(); // what the engine does before handing over
    await successor.publish([registration]);
    const reader = await otherClient(zk.connectString);
    // Released, the old session must not take the znode back: sample the owner for a while.
    for (let sample = 0; sample < 20; sample++) {
      expect((await reader.get(path)).stat.ephemeralOwner).toBe(successor.session.sessionId);
      await new Promise((resolve) => setTimeout(resolve, 10)); // sampling period
    }
    await old.close();
    expect((await reader.get(path)).stat.ephemeralOwner).toBe(successor.session.sessionId);
  });

  it('updates the payload in place when published again with new metadata', async () => {
    const { discovery, base } = await connected();
    await discovery.publish([{ service: 'web', node: node('host-a', 8080, { weight: 10 }) }]);
    const reader = await otherClient(zk.connectString);
    const before = await reader.get(`${base}/web/host-a:8080`);

    await discovery.publish([{ service: 'web', node: node('host-a', 8080, { weight: 75 }) }]);
    const after = await reader.get(`${base}/web/host-a:8080`);
    expect(after.data.toString()).toBe(encodeNode(node('host-a', 8080, { weight: 75 })));
    expect(after.stat.version).toBe(before.stat.version + 1);
    expect(after.stat.ephemeralOwner).toBe(discovery.session.sessionId);
  });

  it('replaces an ephemeral left by another session (the expiry race) with its own', async () => {
    const { discovery, base, lines } = await connected();
    const path = `${base}/web/host-a:8080`;
    const previous = await otherClient(zk.connectString);
    await createPath(previous, path, encodeNode(node('host-a', 8080, { old: true })), true);

    await discovery.publish([{ service: 'web', node: node('host-a', 8080) }]);
    const { data, stat } = await previous.get(path);
    expect(stat.ephemeralOwner).toBe(discovery.session.sessionId);
    expect(stat.ephemeralOwner).not.toBe(previous.sessionId);
    expect(data.toString()).toBe(encodeNode(node('host-a', 8080)));
    expect(messages(lines)).toContain('replacing a znode owned by another session');
  });

  it('puts its znode back when someone else deletes it', async () => {
    const { discovery, base } = await connected();
    const path = `${base}/web/host-a:8080`;
    await discovery.publish([{ service: 'web', node: node('host-a', 8080) }]);
    const other = await otherClient(zk.connectString);
    await other.delete(path, -1);
    const stat = await waitFor(() => other.exists(path), { what: 'the znode to be re-created' });
    expect(stat.ephemeralOwner).toBe(discovery.session.sessionId);
  });

  it('works below a chroot appended to the connection string', async () => {
    const chroot = uniqueBase();
    const admin = await otherClient(zk.connectString);
    await admin.create(chroot, Buffer.alloc(0), false);
    const { discovery } = discoveryFor({ hosts: [zk.connectString], path: '/lighthouse', chroot });
    await discovery.connect();
    await discovery.publish([{ service: 'web', node: node('host-a', 8080) }]);
    const stat = await admin.exists(`${chroot}/lighthouse/web/host-a:8080`);
    expect(stat?.ephemeralOwner).toBe(discovery.session.sessionId);
  });

  it('rejects invalid names before they reach ZooKeeper', async () => {
    const { discovery } = await connected();
    await expect(discovery.publish([{ service: 'a/b', node: node('host-a', 80) }])).rejects.toThrow(
      /not a valid name/,
    );
    await expect(
      discovery.publish([{ service: 'web', node: node('evil\nhost', 80) }]),
    ).rejects.toThrow(/not a valid host name/);
  });

  it('rejects while not connected, keeps the set, and converges to it once connected', async () => {
    const base = uniqueBase();
    const { discovery } = discoveryFor({ hosts: [zk.connectString], path: base });
    await expect(
      discovery.publish([{ service: 'web', node: node('host-a', 8080) }]),
    ).rejects.toThrow(/not connected/);
    // The latest set wins: host-a was dropped before the session came up, host-b added.
    await expect(
      discovery.publish([{ service: 'web', node: node('host-b', 8080) }]),
    ).rejects.toThrow(/not connected/);
    await discovery.connect();
    const reader = await otherClient(zk.connectString);
    const stat = await waitFor(() => reader.exists(`${base}/web/host-b:8080`), {
      what: 'the published znode to be created on connect',
    });
    expect(stat.ephemeralOwner).toBe(discovery.session.sessionId);
    expect(await reader.exists(`${base}/web/host-a:8080`)).toBeUndefined();
  });

  it('rejects a set with an invalid name as a whole, keeping the previous set', async () => {
    const { discovery, base } = await connected();
    await discovery.publish([{ service: 'web', node: node('host-a', 8080) }]);
    await expect(
      discovery.publish([
        { service: 'web', node: node('host-b', 8080) },
        { service: 'a/b', node: node('host-a', 80) },
      ]),
    ).rejects.toThrow(/not a valid name/);
    const reader = await otherClient(zk.connectString);
    expect(await reader.getChildren(`${base}/web`)).toEqual(['host-a:8080']);
  });
});

describe('unpublish and close', () => {
  it('a set without a registration deletes its znode and keeps the others; again is fine', async () => {
    const { discovery, base } = await connected();
    const a = { service: 'web', node: node('host-a', 8080) };
    const b = { service: 'web', node: node('host-b', 8080) };
    await discovery.publish([a, b]);
    await discovery.publish([b]);
    const reader = await otherClient(zk.connectString);
    expect(await reader.getChildren(`${base}/web`)).toEqual(['host-b:8080']);
    await discovery.publish([]);
    expect(await reader.getChildren(`${base}/web`)).toEqual([]);
    await expect(discovery.publish([])).resolves.toBeUndefined();
  });

  it('close() removes the ephemerals at once', async () => {
    const { discovery, base } = await connected();
    await discovery.publish([
      { service: 'web', node: node('host-a', 8080) },
      { service: 'web', node: node('host-b', 8080) },
    ]);
    const reader = await otherClient(zk.connectString);
    const started = Date.now();
    await discovery.close();
    await waitFor(async () => (await reader.getChildren(`${base}/web`)).length === 0, {
      what: 'the ephemerals to vanish',
      timeoutMs: 1_000,
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect(
      discovery.publish([{ service: 'web', node: node('host-a', 8080) }]),
    ).rejects.toThrow();
  });
});

describe('digest auth', () => {
  it('creates znodes others can read but not change or delete', async () => {
    const { discovery, base } = await connected({
      auth: { scheme: 'digest', credentials: 'lighthouse:s3cret' },
    });
    await discovery.publish([{ service: 'web', node: node('host-a', 8080) }]);
    const path = `${base}/web/host-a:8080`;

    const anonymous = await otherClient(zk.connectString);
    const { data } = await anonymous.get(path);
    expect(data.toString()).toBe(encodeNode(node('host-a', 8080)));
    const noAuth = (error: unknown) =>
      error instanceof ZooKeeperError && /not authenticated/.test(error.message);
    await expect(anonymous.set(path, Buffer.from('{}'), -1)).rejects.toSatisfy(noAuth);
    await expect(anonymous.delete(path, -1)).rejects.toSatisfy(noAuth);
    // Parents carry the ACL too, so nobody can slip a node into the service either.
    await expect(
      anonymous.create(`${base}/web/injected:80`, Buffer.from('{}'), true),
    ).rejects.toSatisfy(noAuth);

    const sameIdentity = await otherClient(zk.connectString, {
      scheme: 'digest',
      credentials: 'lighthouse:s3cret',
    });
    await expect(
      sameIdentity.set(path, Buffer.from(encodeNode(node('host-a', 8080, { w: 1 }))), -1),
    ).resolves.toBeUndefined();
    // …and the reporter puts its own payload back: it converges to what it was asked to register.
    await waitFor(
      async () => (await anonymous.get(path)).data.toString() === encodeNode(node('host-a', 8080)),
      { what: 'the payload to be restored' },
    );
  });

  it('re-creates a znode whose ACL someone changed between its create and its setAcl', async () => {
    const { discovery, base, lines } = await connected({
      auth: { scheme: 'digest', credentials: 'lighthouse:s3cret' },
    });
    const path = `${base}/web/host-a:8080`;
    const anonymous = await otherClient(zk.connectString);
    // The binding creates with an open ACL and the plugin sets its own next: an attacker who
    // wins that race (simulated here by acting as soon as the create returns) re-ACLs the znode.
    const session = discovery.session;
    const create = session.create.bind(session);
    let raced = false;
    session.create = async (at, data, ephemeral) => {
      await create(at, data, ephemeral);
      if (at !== path || raced) return;
      raced = true;
      await anonymous.setAcl(at, 0, [{ perms: Permission.all, scheme: 'world', auth: 'anyone' }]);
    };
    await discovery.publish([{ service: 'web', node: node('host-a', 8080) }]);

    expect(raced).toBe(true);
    expect(messages(lines)).toContain(
      'a registration was tampered with while it was being created; re-creating it',
    );
    const noAuth = (error: unknown) =>
      error instanceof ZooKeeperError && /not authenticated/.test(error.message);
    await expect(anonymous.set(path, Buffer.from('{}'), -1)).rejects.toSatisfy(noAuth);
    expect((await anonymous.get(path)).data.toString()).toBe(encodeNode(node('host-a', 8080)));
  });
});
