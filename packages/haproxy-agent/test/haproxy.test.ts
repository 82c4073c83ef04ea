import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Agent, AgentPortState } from '@lighthouse/core';
import {
  createTempDir,
  freePort,
  recordingLogger,
  startHAProxy,
  waitFor,
} from '@lighthouse/testing';
import type { HAProxyServer, TempDir } from '@lighthouse/testing';
import { haproxyAgent } from '../src/index.js';
import type { HAProxyAgentConfig } from '../src/index.js';
import { agentContext, failing, healthy, inMaintenance } from './helpers.js';

/**
 * The agent behind a real HAProxy (Debian's 2.6): a backend server with `agent-check` follows
 * every answer — weight from the metric file, DRAIN, MAINT, DOWN — and comes back READY with
 * its weight after each, because every answer carries all three words (nothing sticks). HAProxy
 * runs in the foreground as our child and is stopped by its PID; its state is read from its
 * own admin socket.
 */

/** HAProxy's agent-inter in this test; the metric file is polled twice as often. */
const AGENT_INTER_MS = 200;
/** How long a change may take to show in HAProxy: a read, then an agent check, with slack. */
const DEADLINE_MS = 3_000;

let dir: TempDir;
let haproxy: HAProxyServer | undefined;
let app: Server;
let agent: Agent;
let metricFile: string;

interface ServerRow {
  status: string;
  weight: number;
  uweight: number;
  agentStatus: string;
  lastAgent: string;
}

/** Columns of `show stat` for server s1 of backend `be` (no field here can hold a comma). */
async function serverRow(): Promise<ServerRow | undefined> {
  const row = await haproxy?.stat('be', 's1');
  if (row === undefined) return undefined;
  const field = (name: string): string => row[name] ?? '';
  return {
    status: field('status'),
    weight: Number(field('weight')),
    uweight: Number(field('uweight')),
    agentStatus: field('agent_status'),
    lastAgent: field('last_agt'),
  };
}

/** Waits until s1's row satisfies `wanted`; fails with the last row and HAProxy's output. */
async function expectServer(what: string, wanted: (row: ServerRow) => boolean): Promise<ServerRow> {
  let last: ServerRow | undefined;
  return waitFor(
    async () => {
      last = await serverRow();
      return last !== undefined && wanted(last) && last;
    },
    { timeoutMs: DEADLINE_MS, intervalMs: 20, what },
  ).catch((error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(
      `${message}; last row: ${JSON.stringify(last)}; HAProxy output: ${haproxy?.output || 'none'}`,
    );
  });
}

/** Tells the agent the ports' state, as the reporter does on every change. */
function report(...ports: AgentPortState[]): void {
  agent.update(ports);
}

beforeAll(async () => {
  dir = await createTempDir({}, 'lh-haproxy-agent-');
  metricFile = join(dir.dir, 'load');
  app = createServer((_request, response) => {
    response.setHeader('connection', 'close');
    response.end('app');
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  const address = app.address();
  const appPort = typeof address === 'object' && address !== null ? address.port : 0;

  const agentPort = await freePort();
  const config: HAProxyAgentConfig = {
    port: agentPort,
    listen_address: '127.0.0.1',
    interval: AGENT_INTER_MS / 2 / 1000,
    weight: { file: metricFile, fallback: 100, stale_after: 3600 },
  };
  agent = await haproxyAgent.create(config, agentContext(recordingLogger()));

  haproxy = await startHAProxy(
    [
      'backend be',
      `  server s1 127.0.0.1:${appPort} weight 100 check inter 200ms rise 1 fall 1 agent-check agent-port ${agentPort} agent-inter ${AGENT_INTER_MS}ms`,
    ].join('\n'),
  );
});

afterAll(async () => {
  await haproxy?.stop();
  await agent?.close();
  await new Promise((resolve) => app?.close(resolve));
  await dir?.cleanup();
});

describe('haproxy agent behind a real HAProxy 2.6', () => {
  it('changes nothing before the reporter’s first update (empty answer)', async () => {
    // HAProxy asked the agent (CHECKED = "no status change") and kept the configured state.
    const row = await expectServer('the first agent check', (r) => r.agentStatus === 'CHECKED');
    expect(row).toMatchObject({ status: 'UP', weight: 100, uweight: 100 });
  });

  it('sets the weight from the metric file', async () => {
    report(healthy());
    await expectServer('UP at the fallback weight', (r) => r.status === 'UP' && r.weight === 100);
    await writeFile(metricFile, '40\n');
    await expectServer('weight 40', (r) => r.status === 'UP' && r.weight === 40);
    await writeFile(metricFile, '75.9');
    await expectServer('weight 75', (r) => r.weight === 75);
    await writeFile(metricFile, '40');
    await expectServer('weight 40 again', (r) => r.weight === 40);
  });

  it('drains, and comes back READY with the weight restored', async () => {
    report(inMaintenance(healthy(), 'drain'));
    await expectServer('DRAIN', (r) => r.status === 'DRAIN (agent)' && r.weight === 0);
    report(healthy());
    await expectServer(
      'READY at 40',
      (r) => r.status === 'UP' && r.weight === 40 && r.uweight === 40,
    );
  });

  it('goes into MAINT for down maintenance, and comes back READY', async () => {
    report(inMaintenance(healthy(), 'down'));
    await expectServer('MAINT', (r) => r.status === 'MAINT');
    report(healthy());
    await expectServer(
      'READY at 40',
      (r) => r.status === 'UP' && r.weight === 40 && r.uweight === 40,
    );
  });

  it('goes DOWN when every port fails, and UP again when one recovers', async () => {
    report(failing(8080), failing(8081));
    await expectServer('DOWN', (r) => r.status === 'DOWN (agent)');
    report(failing(8080), healthy(8081));
    await expectServer('UP at 40', (r) => r.status === 'UP' && r.weight === 40);
  });

  it('leaves nothing behind across a sequence of states', async () => {
    const steps: [AgentPortState[], string][] = [
      [[inMaintenance(failing(), 'drain')], 'DOWN (agent)'],
      [[inMaintenance(healthy(), 'down')], 'MAINT'],
      [[failing()], 'DOWN (agent)'],
      [[inMaintenance(healthy(), 'drain')], 'DRAIN (agent)'],
      [[inMaintenance(failing(), 'down')], 'MAINT'],
    ];
    for (const [ports, status] of steps) {
      report(...ports);
      await expectServer(`${status} for ${JSON.stringify(ports)}`, (r) => r.status === status);
    }
    report(healthy());
    await expectServer(
      'READY at 40',
      (r) => r.status === 'UP' && r.weight === 40 && r.uweight === 40,
    );
  });

  it('answers the fallback weight for a hostile or missing metric file', async () => {
    await writeFile(metricFile, 'NaN');
    await expectServer('fallback 100 for NaN', (r) => r.status === 'UP' && r.weight === 100);
    await writeFile(metricFile, '-5');
    await expectServer('weight 0 for -5', (r) => r.status === 'UP' && r.weight === 0);
    await rm(metricFile);
    await expectServer('fallback 100 without a file', (r) => r.weight === 100);
  });

  it('never sent HAProxy a line it could not parse', () => {
    expect(haproxy?.output).not.toMatch(/agent reports an error|Trailing garbage/i);
  });
});
