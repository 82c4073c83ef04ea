import { access } from 'node:fs/promises';
import net from 'node:net';
import { join } from 'node:path';
import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import { defineCheck } from '@lighthouse/core';
import type { Check, CheckResult } from '@lighthouse/core';
import {
  checkPluginProblems,
  conformanceRules,
  describeCheckPlugin,
  missingDescriptions,
  performCheck,
  refusedTarget,
  startTcpServer,
} from '../src/check-conformance.js';
import { createTempDir } from '../src/temp-dir.js';

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

/** A tiny file-based check: passes while a file exists. It never connects to its target. */
const markerCheck = defineCheck({
  name: 'marker',
  configSchema: Type.Object(
    { path: Type.String({ pattern: '^/', description: 'Absolute path of the marker file.' }) },
    { additionalProperties: false },
  ),
  create: (config) => ({
    perform: () =>
      access(config.path).then(
        () => ({ ok: true }),
        () => ({ ok: false, reason: `${config.path} does not exist` }),
      ),
  }),
});

// No refused-port or silent-server cases; the healthy case creates the file the config names.
describeCheckPlugin(markerCheck, {
  connects: false,
  validConfig: { path: '/nonexistent/lighthouse-marker' },
  healthy: async () => {
    const temp = await createTempDir({ ready: '' });
    return { config: { path: join(temp.dir, 'ready') }, close: temp.cleanup };
  },
  source: 'lighthouse-check-marker/dist/index.js',
});

/** A check whose `perform` is the given function, for performCheck's edge cases. */
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

describe('performCheck', () => {
  it('applies defaults and normalises a boolean result', async () => {
    const server = await startTcpServer((socket) => socket.pipe(socket));
    try {
      expect(await performCheck(echoCheck, {}, server.target)).toEqual({ ok: true });
    } finally {
      await server.close();
    }
  });

  it('keeps the reason of a failed result', async () => {
    const result = await performCheck(echoCheck, {}, await refusedTarget());
    expect(result.ok).toBe(false);
    expect(result.reason).toMatch(/ECONNREFUSED/);
  });

  it('validates like a service file: pointer and message per problem, as lighthouse prints them', async () => {
    await expect(performCheck(echoCheck, { greeting: 42, extra: true }, anywhere)).rejects.toThrow(
      'invalid config for check "echo":\n  /extra: unknown key "extra"\n  /greeting: expected a string, got 42',
    );
  });

  it("applies the plugin's own validateConfig rules and leaves out the engine's keys", async () => {
    let seen: unknown;
    const picky = defineCheck({
      name: 'picky',
      configSchema: Type.Object(
        { level: Type.Integer({ default: 1, description: 'How picky.' }) },
        { additionalProperties: false },
      ),
      validateConfig: (config) =>
        config.level > 3 ? [{ pointer: '/level', message: 'at most 3' }] : [],
      create: (config) => {
        seen = config;
        return { perform: async () => true };
      },
    });
    await expect(performCheck(picky, { level: 4 }, anywhere)).rejects.toThrow(
      'invalid config for check "picky":\n  /level: at most 3',
    );
    expect(await performCheck(picky, { rise: 2, fall: 1, timeout: 3 }, anywhere)).toEqual({
      ok: true,
    });
    expect(seen).toEqual({ level: 1 });
  });

  it("resolves the engine's outcome when perform settles after the deadline", async () => {
    const late = checkDoing(
      (signal) =>
        new Promise<boolean>((resolve) => signal.addEventListener('abort', () => resolve(true))),
    );
    expect(await performCheck(late, {}, anywhere, { timeoutMs: 50 })).toEqual({
      ok: false,
      reason: 'timed out after 50 ms',
    });
  });

  it('accepts a perform that rejects once its signal aborted (the engine already gave up)', async () => {
    const aborting = checkDoing(
      (signal) =>
        new Promise<boolean>((_, reject) =>
          signal.addEventListener('abort', () => reject(signal.reason)),
        ),
    );
    expect(await performCheck(aborting, {}, anywhere, { timeoutMs: 50 })).toEqual({
      ok: false,
      reason: 'timed out after 50 ms',
    });
  });

  it('rejects when perform throws, so tests see contract violations', async () => {
    const throwing = checkDoing(() => Promise.reject(new Error('boom')));
    await expect(performCheck(throwing, {}, anywhere)).rejects.toThrow('boom');
  });

  it('rejects a perform that ignores its signal, after the grace period', async () => {
    const hanging = checkDoing(() => new Promise<boolean>(() => undefined));
    const started = performance.now();
    await expect(
      performCheck(hanging, {}, anywhere, { timeoutMs: 50, graceMs: 100 }),
    ).rejects.toThrow('check "stub": perform() still pending 100 ms after its signal aborted');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('rejects a result that is neither a boolean nor {ok, reason}', async () => {
    const odd = checkDoing(() => Promise.resolve({ ok: 'yes' } as unknown as CheckResult));
    await expect(performCheck(odd, {}, anywhere)).rejects.toThrow(
      'check "stub": perform() resolved {"ok":"yes"}, not a boolean or { ok, reason }',
    );
    const nothing = checkDoing(() => Promise.resolve(undefined as unknown as CheckResult));
    await expect(performCheck(nothing, {}, anywhere)).rejects.toThrow(
      'check "stub": perform() resolved undefined, not a boolean or { ok, reason }',
    );
  });

  it('disposes the check after the run', async () => {
    let disposed = 0;
    const plugin = checkDoing(
      () => Promise.resolve(true),
      async () => {
        disposed += 1;
      },
    );
    expect(await performCheck(plugin, {}, anywhere)).toEqual({ ok: true });
    expect(disposed).toBe(1);
  });
});

describe('conformance failure messages', () => {
  /** Each rule's title and failure message (undefined when the plugin follows it). */
  async function verdicts(...args: Parameters<typeof conformanceRules>) {
    const rules = conformanceRules(...args);
    const results = await Promise.all(rules.map((rule) => rule.check()));
    return Object.fromEntries(rules.map((rule, index) => [rule.title, results[index]]));
  }

  it('name the plugin, where it ships from, the rule, and what to change', async () => {
    /** Loose schema, an undocumented key, an engine key, and a perform that always passes. */
    const sloppy = defineCheck({
      name: 'sloppy',
      configSchema: Type.Object({ path: Type.String(), timeout: Type.Optional(Type.Number()) }),
      create: () => ({ perform: async () => true }),
    });
    const found = await verdicts(sloppy, {
      validConfig: { path: '/' },
      source: 'lighthouse-check-sloppy/dist/index.js',
    });
    const who = 'check plugin "sloppy" (lighthouse-check-sloppy/dist/index.js) breaks the rule';
    expect(found).toEqual({
      'is a check definition made by defineCheck': undefined,
      "accepts options.validConfig as a service file's checks.sloppy": undefined,
      'rejects an unknown key': `${who} "rejects an unknown key": checks.sloppy.unexpected was accepted, so a misspelt option would be silently ignored. Declare the configSchema with { additionalProperties: false }.`,
      'describes every schema property': `${who} "describes every schema property": configSchema properties without a description: /path, /timeout. Users read them in \`lighthouse schema\` and their editors; add { description: '…' } to each.`,
      'leaves rise, fall and timeout to the engine': `${who} "leaves rise, fall and timeout to the engine": configSchema declares timeout, which lighthouse keeps for itself: the check never receives them. Rename the option.`,
      'fails without throwing when the port is refused': `${who} "fails without throwing when the port is refused": a refused port counted as healthy.`,
      'settles promptly when its signal is already aborted': `${who} "settles promptly when its signal is already aborted": given an aborted signal, it passed against a server that never answers.`,
      'fails, stopping soon after its signal aborts, against a server that never answers': `${who} "fails, stopping soon after its signal aborts, against a server that never answers": it passed against a server that never answers: options.validConfig must make the check talk to the server (a connect-only config cannot notice a hung service).`,
    });
  });

  it('say when perform hangs, throws or the config is invalid', async () => {
    const hanging = defineCheck({
      name: 'hanging',
      configSchema: Type.Object({}, { additionalProperties: false }),
      create: () => ({ perform: () => new Promise<boolean>(() => undefined) }),
    });
    const hung = conformanceRules(hanging, { validConfig: {}, timeoutMs: 20 }).find((rule) =>
      rule.title.includes('never answers'),
    );
    expect(await hung?.check()).toMatch(
      /^check plugin "hanging" breaks the rule "fails, stopping soon after its signal aborts, against a server that never answers": with a 20 ms timeout, perform\(\) still pending 1000 ms after its signal aborted: it must stop its work/,
    );

    const throwing = defineCheck({
      name: 'throwing',
      configSchema: Type.Object({ n: Type.Integer({ description: 'A number.' }) }),
      create: () => ({ perform: () => Promise.reject(new Error('connect ECONNREFUSED')) }),
    });
    const found = await verdicts(throwing, { validConfig: { n: 'x' } });
    expect(found["accepts options.validConfig as a service file's checks.throwing"]).toBe(
      'check plugin "throwing" breaks the rule "accepts options.validConfig as a service file\'s checks.throwing": lighthouse would reject it:\n  /n: expected an integer, got "x"\nFix options.validConfig, or the configSchema / validateConfig if this config should be valid.',
    );
    expect(found['fails without throwing when the port is refused']).toMatch(
      /the config for this run is invalid, so this cannot be tested:\n {2}\/n: expected an integer/,
    );
    const refused = conformanceRules(throwing, { validConfig: { n: 1 } })[5];
    expect(refused?.title).toBe('fails without throwing when the port is refused');
    expect(await refused?.check()).toMatch(
      /: against a refused port, perform\(\) threw connect ECONNREFUSED: return \{ ok: false, reason \} for an expected failure/,
    );
  });

  it('list what is wrong with a value that is not a check definition', async () => {
    const found = await verdicts({ name: 'fake', create: () => undefined }, { validConfig: {} });
    expect(found['is a check definition made by defineCheck']).toMatch(
      /^check plugin "fake" breaks the rule "is a check definition made by defineCheck": what it exports\n {2}does not export a lighthouse plugin: it lacks the Symbol.for\('lighthouse.plugin'\) brand/,
    );
    expect(found['rejects an unknown key']).toMatch(/it is not a check definition, so this cannot/);
  });

  it('leave out the network cases for a check that does not connect', () => {
    const titles = conformanceRules(markerCheck, {
      connects: false,
      validConfig: { path: '/x' },
      healthy: async () => ({ close: async () => undefined }),
    }).map((rule) => rule.title);
    expect(titles).toEqual([
      'is a check definition made by defineCheck',
      "accepts options.validConfig as a service file's checks.marker",
      'rejects an unknown key',
      'describes every schema property',
      'leaves rise, fall and timeout to the engine',
      'settles promptly when its signal is already aborted',
      'passes against options.healthy()',
    ]);
  });
});
