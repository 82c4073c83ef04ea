import net from 'node:net';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defineCheck } from '@lighthouse/core';
import type { Check, CheckResult } from '@lighthouse/core';
import {
  checkPluginProblems,
  describeCheckPlugin,
  missingDescriptions,
  refusedTarget,
  runCheck,
  startTcpServer,
} from '../src/check-conformance.js';

/** A tiny third-party-style check: sends a greeting, healthy when it is echoed back. */
const echoCheck = defineCheck({
  name: 'echo',
  configSchema: Type.Object(
    { greeting: Type.Optional(Type.String({ default: 'hello', description: 'What to send.' })) },
    { additionalProperties: false },
  ),
  create: (config, context) => ({
    perform: (signal) =>
      new Promise<CheckResult>((resolve) => {
        const socket = net.connect(context.target);
        const finish = (result: CheckResult): void => {
          signal.removeEventListener('abort', onAbort);
          socket.destroy();
          resolve(result);
        };
        const onAbort = (): void => finish({ ok: false, reason: 'timed out' });
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort);
        socket.on('error', (error) => finish({ ok: false, reason: error.message }));
        socket.once('connect', () => socket.write(config.greeting ?? ''));
        socket.once('data', (chunk: Buffer) =>
          finish({ ok: chunk.toString() === config.greeting }),
        );
      }),
  }),
});

describeCheckPlugin(echoCheck, {
  validConfig: {},
  healthy: () => startTcpServer((socket) => socket.pipe(socket)),
});

/** A check whose `perform` is the given function, for runCheck's edge cases. */
function checkDoing(perform: Check['perform'], dispose?: Check['dispose']) {
  return defineCheck({
    name: 'stub',
    configSchema: Type.Object({}, { additionalProperties: false }),
    create: () => (dispose === undefined ? { perform } : { perform, dispose }),
  });
}

const anywhere = { host: '127.0.0.1', port: 9 };

describe('checkPluginProblems', () => {
  it('accepts a defineCheck result and names what is wrong with anything else', () => {
    expect(checkPluginProblems(echoCheck)).toEqual([]);
    expect(checkPluginProblems(null)).toEqual(['does not export a plugin object (found null)']);
    const { name, configSchema, create } = echoCheck;
    const unbranded = checkPluginProblems({ kind: 'checks', name, configSchema, create });
    expect(unbranded).toHaveLength(1);
    expect(unbranded[0]).toMatch(/lacks the Symbol.for\('lighthouse.plugin'\) brand/);
    const problems = checkPluginProblems({ ...echoCheck, name: 'two words', kind: 'balancers' });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^exports a plugin of kind "balancers"/);
    expect(problems[1]).toMatch(/^"two words" is not a valid name/);
  });
});

describe('missingDescriptions', () => {
  it('lists undocumented properties at any depth, by pointer', () => {
    const schema = Type.Object({
      a: Type.String({ description: 'documented' }),
      b: Type.Object({ c: Type.String() }, { description: 'nested object' }),
      d: Type.Array(Type.Object({ e: Type.Number() }), { description: 'array of objects' }),
      f: Type.Optional(
        Type.Union([Type.Object({ g: Type.String() }), Type.Null()], { description: 'union' }),
      ),
      h: Type.Record(Type.String(), Type.Object({ i: Type.Boolean() }), { description: 'map' }),
      j: Type.Boolean(),
      k: Type.String({ description: '  ' }),
    });
    expect(missingDescriptions(schema)).toEqual(['/b/c', '/d/*/e', '/f/g', '/h/*/i', '/j', '/k']);
  });
});

describe('runCheck', () => {
  it('applies defaults and normalises a boolean result', async () => {
    const server = await startTcpServer((socket) => socket.pipe(socket));
    try {
      expect(await runCheck(echoCheck, {}, server.target)).toEqual({ ok: true });
    } finally {
      await server.close();
    }
  });

  it('keeps the reason of a failed result', async () => {
    const result = await runCheck(echoCheck, {}, await refusedTarget());
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/ECONNREFUSED/);
  });

  it('throws on an invalid config, listing pointer and message per problem', async () => {
    await expect(runCheck(echoCheck, { greeting: 42, extra: true }, anywhere)).rejects.toThrow(
      /^invalid config for check "echo":\n {2}\/extra: .*\n(.|\n)*\/greeting: must be string/,
    );
  });

  it('rejects when perform throws, so tests see contract violations', async () => {
    const throwing = checkDoing(() => Promise.reject(new Error('boom')));
    await expect(runCheck(throwing, {}, anywhere)).rejects.toThrow('boom');
  });

  it('rejects a perform that ignores its signal, after the grace period', async () => {
    const hanging = checkDoing(() => new Promise<boolean>(() => undefined));
    const started = performance.now();
    await expect(runCheck(hanging, {}, anywhere, { timeoutMs: 50, graceMs: 100 })).rejects.toThrow(
      'check "stub": perform() still pending 100 ms after its signal aborted',
    );
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects a result that is neither a boolean nor {ok, reason}', async () => {
    const odd = checkDoing(() => Promise.resolve({ ok: 'yes' } as unknown as CheckResult));
    await expect(runCheck(odd, {}, anywhere)).rejects.toThrow(/not a boolean or \{ok, reason\}/);
  });

  it('disposes the check after the run', async () => {
    let disposed = 0;
    const plugin = checkDoing(
      () => Promise.resolve(true),
      async () => {
        disposed += 1;
      },
    );
    expect(await runCheck(plugin, {}, anywhere)).toEqual({ ok: true });
    expect(disposed).toBe(1);
  });
});
