import { recordingLogger, recordingMetrics } from '@lighthouse/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Plan } from '../src/plan.js';
import { PendingRemovals } from '../src/removals.js';
import type { RuntimeCommand } from '../src/runtime/commands.js';
import { RuntimeCommandError } from '../src/runtime/errors.js';
import type { CommandOutcome, RuntimeApi } from '../src/runtime/runtime-api.js';
import { ServerChanges } from '../src/server-changes.js';
import { BalancerTelemetry } from '../src/telemetry.js';

/**
 * A sync that plans only the changed backends (Plan.scope, issue 10) must leave what earlier
 * batches left behind in the other backends as it was: their pending removals (retried on their
 * own timer) and the servers an operator holds in maint or drain.
 */

const BUSY = 'Server still has connections attached to it, cannot remove it.';

const del = (backend: string, server: string): RuntimeCommand => ({
  op: 'del-server',
  backend,
  server,
});
const busy = (backend: string, server: string): CommandOutcome => ({
  command: del(backend, server),
  error: new RuntimeCommandError('del server', BUSY),
});
const done = (command: RuntimeCommand): CommandOutcome => ({ command });

function removals() {
  const events: string[] = [];
  const pending = new PendingRemovals(30_000, {
    waiting: (backend, server) => events.push(`waiting ${backend}/${server}`),
    forced: (backend, server) => events.push(`forced ${backend}/${server}`),
  });
  const servers = () => pending.commands().map((c) => `${c.backend}/${c.server}`);
  return { pending, events, servers };
}

describe('PendingRemovals.update with a scope', () => {
  it('keeps the entries of backends outside the scope and replaces those inside', () => {
    const { pending, events, servers } = removals();
    pending.update([busy('a', 'x:80'), busy('b', 'y:80'), busy('c', 'z:80')]);
    expect(servers()).toEqual(['a/x:80', 'b/y:80', 'c/z:80']);

    // A batch of backend a alone, in which x:80 was deleted at last and w:80 is newly busy.
    pending.update([done(del('a', 'x:80')), busy('a', 'w:80')], new Set(['a']));
    expect(servers().sort()).toEqual(['a/w:80', 'b/y:80', 'c/z:80']);
    expect(events).toEqual([
      'waiting a/x:80',
      'waiting b/y:80',
      'waiting c/z:80',
      'waiting a/w:80',
    ]);

    // A batch of backend b with no `del server` at all: its removal is called off; c is kept.
    pending.update(
      [done({ op: 'set-state', backend: 'b', server: 'y:80', state: 'ready' })],
      new Set(['b']),
    );
    expect(servers().sort()).toEqual(['a/w:80', 'c/z:80']);

    // An empty batch over several backends clears those, and only those.
    pending.update([], new Set(['a', 'other']));
    expect(servers()).toEqual(['c/z:80']);
    expect(pending.size).toBe(1);
  });

  it('with an empty scope keeps everything, without a scope replaces everything', () => {
    const { pending, servers } = removals();
    pending.update([busy('a', 'x:80'), busy('b', 'y:80')]);
    pending.update([], new Set());
    expect(servers()).toEqual(['a/x:80', 'b/y:80']);
    pending.update([busy('b', 'y:80')]);
    expect(servers()).toEqual(['b/y:80']);
    pending.update([]);
    expect(pending.size).toBe(0);
  });

  it('keeps the first refusal’s time of an entry the scoped batch refuses again', () => {
    let now = 1_000;
    const pending = new PendingRemovals(5_000, { waiting: () => {}, forced: () => {} }, () => now);
    pending.update([busy('a', 'x:80'), busy('b', 'y:80')]);
    now += 4_000;
    pending.update([busy('a', 'x:80')], new Set(['a']));
    now += 1_000;
    // Both waited 5 s: both are shut down, neither's clock was restarted by the scoped batch.
    expect(pending.commands().filter((c) => c.op === 'shutdown-sessions')).toHaveLength(2);
  });
});

/** A RuntimeApi that answers every command, refusing `del server` of the servers in `busy`. */
function fakeRuntime(busyServers: Set<string>) {
  const sent: RuntimeCommand[][] = [];
  const runtime = {
    execute: (commands: readonly RuntimeCommand[]): Promise<CommandOutcome[]> => {
      sent.push([...commands]);
      return Promise.resolve(
        commands.map((command) =>
          command.op === 'del-server' && busyServers.has(`${command.backend}/${command.server}`)
            ? busy(command.backend, command.server)
            : done(command),
        ),
      );
    },
  };
  return { runtime: runtime as unknown as RuntimeApi, sent };
}

let open: ServerChanges | undefined;
afterEach(() => {
  open?.close();
  open = undefined;
});

function serverChanges(busyServers = new Set<string>()) {
  const log = recordingLogger();
  const metrics = recordingMetrics();
  const { runtime, sent } = fakeRuntime(busyServers);
  const changes = new ServerChanges({
    runtime,
    log,
    telemetry: new BalancerTelemetry(metrics),
    removalTimeoutMs: 30_000,
    serially: (task) => task(),
  });
  open = changes;
  const heldLogs = () =>
    log
      .at('warn')
      .filter((line) => line.message === 'leaving a server in the state an operator set')
      .map((line) => line.fields['server']);
  const liftedLogs = () =>
    log.matching('info', 'operator state lifted').map((line) => line.fields['server']);
  const heldGauge = () => metrics.value('lighthouse_haproxy_operator_held_servers');
  const pendingGauge = () => metrics.value('lighthouse_haproxy_pending_removals');
  return { changes, sent, heldLogs, liftedLogs, heldGauge, pendingGauge };
}

const setWeight = (backend: string, server: string): RuntimeCommand => ({
  op: 'set-weight',
  backend,
  server,
  weight: 2,
});

describe('ServerChanges with a scoped plan', () => {
  it('keeps the held servers of backends outside the scope, without logging them lifted', async () => {
    const s = serverChanges();
    const full: Plan = {
      commands: [],
      held: [
        { backend: 'a', server: 'x:80', state: 'drain' },
        { backend: 'b', server: 'y:80', state: 'maint' },
      ],
    };
    await s.changes.run(full);
    expect([...s.changes.held]).toEqual([
      ['a/x:80', 'drain'],
      ['b/y:80', 'maint'],
    ]);
    expect(s.heldLogs()).toEqual(['a/x:80', 'b/y:80']);

    // A sync of backend a alone, a's server still held: nothing changes, nothing is logged.
    await s.changes.run({
      commands: [setWeight('a', 'q:80')],
      held: [{ backend: 'a', server: 'x:80', state: 'drain' }],
      scope: new Set(['a']),
    });
    expect(new Map(s.changes.held)).toEqual(
      new Map([
        ['a/x:80', 'drain'],
        ['b/y:80', 'maint'],
      ]),
    );
    expect(s.heldLogs()).toEqual(['a/x:80', 'b/y:80']);
    expect(s.liftedLogs()).toEqual([]);
    expect(s.heldGauge()).toBe(2);

    // A sync of backend a in which the operator lifted x:80: only it is lifted.
    await s.changes.run({ commands: [setWeight('a', 'q:80')], scope: new Set(['a']) });
    expect([...s.changes.held]).toEqual([['b/y:80', 'maint']]);
    expect(s.liftedLogs()).toEqual(['a/x:80']);
    expect(s.heldGauge()).toBe(1);

    // A sync of b in which y:80 is drained now instead of in maint: logged as a new hold.
    await s.changes.run({
      commands: [],
      held: [{ backend: 'b', server: 'y:80', state: 'drain' }],
      scope: new Set(['b']),
    });
    expect([...s.changes.held]).toEqual([['b/y:80', 'drain']]);
    expect(s.heldLogs()).toEqual(['a/x:80', 'b/y:80', 'b/y:80']);

    // A full plan without holds lifts everything.
    await s.changes.run({ commands: [] });
    expect(s.changes.held.size).toBe(0);
    expect(s.liftedLogs()).toEqual(['a/x:80', 'b/y:80']);
  });

  it('reads the backend of a server whose name holds a "/" correctly', async () => {
    const s = serverChanges();
    await s.changes.run({
      commands: [],
      held: [{ backend: 'b', server: 'odd/name:80', state: 'maint' }],
    });
    await s.changes.run({ commands: [], scope: new Set(['odd']) });
    expect([...s.changes.held.keys()]).toEqual(['b/odd/name:80']);
    await s.changes.run({ commands: [], scope: new Set(['b']) });
    expect(s.changes.held.size).toBe(0);
  });

  it('keeps the pending removals of backends outside the scope', async () => {
    const s = serverChanges(new Set(['a/x:80', 'b/y:80']));
    await s.changes.run({ commands: [del('a', 'x:80'), del('b', 'y:80')] });
    expect(s.changes.pendingRemovals).toBe(2);
    expect(s.pendingGauge()).toBe(2);

    // Backend b's membership changes: a's pending removal must survive the batch.
    await s.changes.run({ commands: [setWeight('b', 'z:80')], scope: new Set(['b']) });
    expect(s.changes.pendingRemovals).toBe(1);
    expect(s.pendingGauge()).toBe(1);

    // A batch of a that no longer deletes x:80 (its node came back): called off.
    await s.changes.run({ commands: [setWeight('a', 'x:80')], scope: new Set(['a']) });
    expect(s.changes.pendingRemovals).toBe(0);
    expect(s.sent.flat().map((c) => `${c.op} ${c.backend}/${c.server}`)).toEqual([
      'del-server a/x:80',
      'del-server b/y:80',
      'set-weight b/z:80',
      'set-weight a/x:80',
    ]);
  });
});
