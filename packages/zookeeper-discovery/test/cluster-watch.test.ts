import { encodeNode } from '@lighthouse/core';
import type { Node } from '@lighthouse/core';
import { waitFor } from '@lighthouse/testing';
import { afterEach, describe, expect, it } from 'vitest';
import ZooKeeper from 'zookeeper';
import { ClusterWatch } from '../src/cluster-watch.js';
import { Code } from '../src/native-client.js';
import { FakeSession } from './fake-session.js';
import { captureLog, node, Recorder } from './support.js';

/**
 * The watch against a scripted session (no server): reads that fail at chosen moments. The rule
 * under test: a set is never delivered while a listed child was never read, so losing sight of
 * the members (a connection dropped mid first look) never empties or shrinks a backend.
 */

const CLUSTER = '/lighthouse/web';
const NO_AUTH = ZooKeeper.constants.ZNOAUTH;

const started: ClusterWatch[] = [];
afterEach(() => {
  for (const watch of started.splice(0)) watch.stop();
});

/** A fake session whose cluster holds `names` (`host:port`, codec payloads), and a watch on it. */
function setup(...names: string[]) {
  const session = new FakeSession(CLUSTER);
  for (const name of names) session.payloads.set(name, payload(name));
  const { context, lines } = captureLog();
  const recorder = new Recorder();
  const watch = new ClusterWatch({
    session,
    path: CLUSTER,
    listener: recorder.listener,
    log: context.log,
    debug: context.debug,
  });
  started.push(watch);
  return { session, watch, recorder, lines };
}

function payload(name: string): string {
  const [host = '', port = ''] = name.split(':');
  return encodeNode(node(host, Number(port)));
}

function names(nodes: readonly Node[]): string[] {
  return nodes.map((item) => `${item.host}:${item.port}`);
}

/** The log entries with message `msg`. */
function logged(lines: readonly string[], msg: string): Record<string, unknown>[] {
  return lines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry['msg'] === msg);
}

/**
 * Asserting an absence: a delivery is debounced by 1 ms, so one that was due shows up well within
 * this quiet period.
 */
function quiet(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 100));
}

describe('cluster watch with failing reads', () => {
  it('delivers nothing while listed children fail with connection loss, then all at once', async () => {
    const { session, watch, recorder } = setup('a:80', 'b:80', 'c:80');
    for (const name of session.payloads.keys()) session.failing.set(name, Code.connectionLoss);
    await watch.resync(true);
    expect(recorder.sets).toEqual([]); // the bug delivered [[]] here

    // Three rounds of retries, past the NOAUTH limit: connection loss never gives up on a child.
    await waitFor(() => session.gets.length >= 9, { what: 'three rounds of reads' });
    expect(recorder.sets).toEqual([]);

    session.failing.clear();
    await recorder.until((nodes) => nodes.length === 3, 'the full set');
    await quiet();
    expect(recorder.sets.map(names)).toEqual([['a:80', 'b:80', 'c:80']]);
  });

  it('holds a first look cut by a disconnect until the reconnect has read every child', async () => {
    const { session, watch, recorder } = setup('a:80', 'b:80', 'c:80');
    session.afterList = () => {
      session.state = 'SUSPENDED';
    };
    await watch.resync(true);
    await quiet();
    expect(recorder.sets).toEqual([]);
    expect(session.gets).toHaveLength(3); // no retry while disconnected: the reconnect does it

    session.afterList = undefined;
    session.state = 'CONNECTED';
    await watch.resync(false); // what the discovery does when the session survived
    expect(recorder.sets.map(names)).toEqual([['a:80', 'b:80', 'c:80']]);
  });

  it('keeps a known member whose reads start failing (NOAUTH), with a warning', async () => {
    const { session, watch, recorder, lines } = setup('a:80', 'b:80', 'c:80');
    await watch.resync(true);
    expect(recorder.sets.map(names)).toEqual([['a:80', 'b:80', 'c:80']]);

    // b's ACL changes under us: its data watch fires and the re-read is denied.
    session.failing.set('b:80', NO_AUTH);
    session.dataWatchers.get('b:80')?.('changed');
    const warning = await waitFor(
      () => logged(lines, 'znode unreadable, keeping what was last read from it')[0],
      { what: 'the warning' },
    );
    expect(warning).toMatchObject({ level: 'warn', znode: `${CLUSTER}/b:80` });

    // A member joins: the set delivered with it still has b, as last read.
    session.payloads.set('d:80', payload('d:80'));
    session.childrenWatcher?.('child');
    await recorder.until((nodes) => nodes.length === 4, 'the new member');
    expect(recorder.sets.map(names)).toEqual([
      ['a:80', 'b:80', 'c:80'],
      ['a:80', 'b:80', 'c:80', 'd:80'],
    ]);
  });

  it('on a new session, keeps the previous members until every listed child is read', async () => {
    const { session, watch, recorder } = setup('a:80', 'b:80', 'c:80');
    await watch.resync(true);

    // While the session was lost, c left and d joined; then the re-reads fail (connection loss).
    session.payloads.delete('c:80');
    session.payloads.set('d:80', payload('d:80'));
    for (const name of session.payloads.keys()) session.failing.set(name, Code.connectionLoss);
    await watch.resync(true);
    await waitFor(() => session.gets.length >= 3 + 6, { what: 'two rounds of re-reads' });
    expect(recorder.sets).toHaveLength(1); // not [a, b]: d is listed but unread

    // A replacement listener hears the last delivered set, not the one being gathered.
    const replacement = new Recorder();
    watch.setListener(replacement.listener);
    expect(replacement.sets.map(names)).toEqual([['a:80', 'b:80', 'c:80']]);

    session.failing.clear();
    await replacement.until((nodes) => names(nodes).includes('d:80'), 'the re-read set');
    expect(replacement.sets.map(names)).toEqual([
      ['a:80', 'b:80', 'c:80'],
      ['a:80', 'b:80', 'd:80'],
    ]);
  });

  it('delivers without a child never readable (NOAUTH) after 3 reads, and adds it later', async () => {
    const { session, watch, recorder, lines } = setup('a:80', 'b:80', 'c:80');
    session.failing.set('b:80', NO_AUTH);
    await watch.resync(true);
    expect(recorder.sets).toEqual([]); // one failed read is no reason to leave b out

    const first = await recorder.until(() => true, 'the delivery without b');
    expect(names(first)).toEqual(['a:80', 'c:80']);
    expect(session.gets.filter((path) => path.endsWith('/b:80'))).toHaveLength(3);
    expect(logged(lines, 'znode never readable, delivering the cluster without it')).toEqual([
      expect.objectContaining({ level: 'error', znode: `${CLUSTER}/b:80`, attempts: 3 }),
    ]);

    // The retries go on: once readable, b comes in.
    session.failing.clear();
    await recorder.until((nodes) => nodes.length === 3, 'b once readable');
    expect(recorder.sets.map(names)).toEqual([
      ['a:80', 'c:80'],
      ['a:80', 'b:80', 'c:80'],
    ]);
  });
});

describe('cluster watch deliveries', () => {
  it('delivers members sorted by name as children come and go, unchanged ones as the same objects', async () => {
    const { session, watch, recorder } = setup('m:80', 'c:80');
    await watch.resync(true);
    await recorder.until((nodes) => nodes.length === 2, 'the first look');
    let seed = 11;
    const pick = (below: number) => {
      seed = (seed * 48_271) % 2_147_483_647;
      return seed % below;
    };
    for (let step = 0; step < 60; step += 1) {
      const before = recorder.sets.at(-1) ?? [];
      const present = [...session.payloads.keys()];
      const name = `h${pick(20)}:80`;
      // Mostly adds, so the cluster grows; a removal when the name is there.
      if (session.payloads.has(name) && present.length > 1) session.payloads.delete(name);
      else session.payloads.set(name, payload(name));
      const expected = [...session.payloads.keys()].sort();
      if (expected.join() === present.sort().join()) continue;
      session.childrenWatcher?.('child');
      const after = await recorder.until(
        (nodes) => names(nodes).join() === expected.join(),
        `step ${step}: ${expected.join()}`,
      );
      // A member neither added nor removed is handed on as the very object delivered before.
      for (const kept of before) {
        const now = after.find((item) => item.host === kept.host && item.port === kept.port);
        if (now !== undefined) expect(now, `step ${step}`).toBe(kept);
      }
    }
    expect(recorder.sets.length).toBeGreaterThan(30);
  });
});
