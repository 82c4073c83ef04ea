import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AdminLedger } from '../src/admin-ledger.js';
import { capStderrLog, keepPreviousStderrLog } from '../src/process/stderr-log.js';
import { PendingRemovals } from '../src/removals.js';
import type { RuntimeCommand } from '../src/runtime/commands.js';
import { RuntimeCommandError } from '../src/runtime/errors.js';
import type { CommandOutcome } from '../src/runtime/runtime-api.js';
import type { BackendServer } from '../src/render-servers.js';

const BUSY = 'Server still has connections attached to it, cannot remove it.';

function outcome(command: RuntimeCommand, reply?: string): CommandOutcome {
  return reply === undefined
    ? { command }
    : { command, error: new RuntimeCommandError('x', reply) };
}
const del = (server: string): RuntimeCommand => ({ op: 'del-server', backend: 'web', server });

function removals(timeoutMs = 30_000) {
  let now = 1_000;
  const events: string[] = [];
  const pending = new PendingRemovals(
    timeoutMs,
    {
      waiting: (backend, server) => events.push(`waiting ${backend}/${server}`),
      forced: (backend, server, waited) => events.push(`forced ${backend}/${server} ${waited}`),
    },
    () => now,
  );
  return { pending, events, advance: (ms: number) => (now += ms) };
}

describe('PendingRemovals', () => {
  it('waits for busy deletions only, retries them each second, then shuts sessions down', () => {
    const { pending, events, advance } = removals(5_000);
    pending.update([
      outcome(del('a:80'), BUSY),
      outcome(del('b:80')),
      outcome(del('c:80'), 'No such server.'),
    ]);
    expect(pending.size).toBe(1);
    expect(events).toEqual(['waiting web/a:80']);
    expect(pending.nextRetryMs()).toBe(1_000);
    expect(pending.commands()).toEqual([del('a:80')]);

    advance(4_500);
    expect(pending.nextRetryMs()).toBe(500); // the deadline comes before the next second
    pending.update([outcome(del('a:80'), BUSY)]);
    expect(events).toEqual(['waiting web/a:80']); // logged once, `since` kept
    advance(500);
    expect(pending.commands()).toEqual([
      { op: 'shutdown-sessions', backend: 'web', server: 'a:80' },
      del('a:80'),
    ]);
    expect(events).toEqual(['waiting web/a:80', 'forced web/a:80 5000']);
    expect(pending.nextRetryMs()).toBe(100);
    pending.commands();
    expect(events).toHaveLength(2); // the shutdown is logged once

    pending.update([outcome(del('a:80'))]);
    expect(pending.size).toBe(0);
  });

  it('calls a removal off when a batch no longer deletes the server', () => {
    const { pending } = removals();
    pending.update([outcome(del('a:80'), BUSY)]);
    pending.update([outcome({ op: 'set-state', backend: 'web', server: 'a:80', state: 'ready' })]);
    expect(pending.size).toBe(0);
    expect(pending.commands()).toEqual([]);
  });
});

describe('AdminLedger', () => {
  const server = (name: string, drain = false) => ({ name, drain }) as unknown as BackendServer;

  it('records what the writer set, added and deleted', () => {
    const ledger = new AdminLedger();
    expect(ledger.empty).toBe(true);
    ledger.record([
      outcome({
        op: 'add-server',
        backend: 'web',
        server: 'a:80',
        address: '127.0.0.1:80',
        options: [],
      }),
      outcome({ op: 'set-state', backend: 'web', server: 'b:80', state: 'drain' }),
      outcome(
        { op: 'set-state', backend: 'web', server: 'c:80', state: 'drain' },
        'No such server.',
      ),
    ]);
    expect(ledger.empty).toBe(false);
    expect(ledger.get('web', 'a:80')).toBe('maint');
    expect(ledger.get('web', 'b:80')).toBe('drain');
    expect(ledger.get('web', 'c:80')).toBeUndefined();
    ledger.record([outcome(del('a:80'))]);
    expect(ledger.get('web', 'a:80')).toBeUndefined();
  });

  it('after a reload keeps what it knew of the servers that remain, and assumes the rest', () => {
    const ledger = new AdminLedger();
    ledger.record([outcome({ op: 'set-state', backend: 'web', server: 'a:80', state: 'drain' })]);
    ledger.record([
      outcome({ op: 'set-state', backend: 'web', server: 'gone:80', state: 'ready' }),
    ]);
    ledger.retain(new Map([['web', [server('a:80'), server('b:80', true), server('c:80')]]]));
    expect(ledger.get('web', 'a:80')).toBe('drain');
    expect(ledger.get('web', 'b:80')).toBe('drain');
    expect(ledger.get('web', 'c:80')).toBe('ready');
    expect(ledger.get('web', 'gone:80')).toBeUndefined();
  });
});

describe('stderr log', () => {
  it('caps in place (copy to .1, truncate) past the cap, and keeps the previous run at a start', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lh-stderr-'));
    try {
      const file = join(dir, 'haproxy.cfg.stderr.log');
      expect(await capStderrLog(file, 10)).toBe(false); // absent: nothing to do
      await writeFile(file, 'short');
      expect(await capStderrLog(file, 10)).toBe(false);
      await writeFile(file, 'longer than ten bytes');
      expect(await capStderrLog(file, 10)).toBe(true);
      expect(await readFile(`${file}.1`, 'utf8')).toBe('longer than ten bytes');
      expect(await readFile(file, 'utf8')).toBe('');

      await writeFile(file, 'why it died');
      await keepPreviousStderrLog(file);
      expect(await readFile(`${file}.1`, 'utf8')).toBe('why it died');
      await expect(readFile(file, 'utf8')).rejects.toThrow(/ENOENT/);
      await keepPreviousStderrLog(file); // nothing to keep: the last .1 stays
      expect(await readFile(`${file}.1`, 'utf8')).toBe('why it died');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('AdminLedger intents', () => {
  it('records maint and drain before a batch is sent, ready only once it is done', () => {
    const ledger = new AdminLedger();
    const add: RuntimeCommand = {
      op: 'add-server',
      backend: 'web',
      server: 'a:80',
      address: '127.0.0.1:80',
      options: [],
    };
    const ready: RuntimeCommand = {
      op: 'set-state',
      backend: 'web',
      server: 'a:80',
      state: 'ready',
    };
    const drain: RuntimeCommand = {
      op: 'set-state',
      backend: 'web',
      server: 'b:80',
      state: 'drain',
    };
    ledger.intend([add, ready, drain]);
    // A batch cut off here (a timeout) still knows a:80's maint and b:80's drain are its own.
    expect(ledger.get('web', 'a:80')).toBe('maint');
    expect(ledger.get('web', 'b:80')).toBe('drain');
    ledger.record([outcome(add), outcome(ready)]);
    expect(ledger.get('web', 'a:80')).toBe('ready');
  });
});
