import net from 'node:net';
import type { Server, Socket } from 'node:net';
import Value from 'typebox/value';
import { describe, expect, it } from 'vitest';
import {
  debugFor,
  nameProblem,
  pluginShapeProblems,
  silentLogger,
  isRecord,
} from '@lighthouse/core';
import type { CheckContext, CheckPlugin, CheckResult, CheckTarget } from '@lighthouse/core';
import { freePort } from './free-port.js';

/**
 * Conformance tests for health-check plugins, and the small helpers they are built from, so a
 * third-party check author gets the same guarantees our bundled checks are held to: validated,
 * documented config, and a `perform` that fails cleanly and stops when its signal aborts.
 */

/** A loopback server started for a test. `close` also destroys the connections it accepted. */
export interface TestServer {
  target: CheckTarget;
  close(): Promise<void>;
}

/** Options of {@link runCheck}. */
export interface RunCheckOptions {
  /** Milliseconds until the signal passed to `perform` aborts (the engine's timeout). Default 2000. */
  timeoutMs?: number;
  /** How long `perform` may take to settle after the abort before it counts as hung. Default 1000. */
  graceMs?: number;
}

/** Options of {@link describeCheckPlugin}. */
export interface CheckConformanceOptions {
  /**
   * A config the plugin accepts (defaults not yet applied), used for every run. It must make the
   * check talk to the server: a connect-only config cannot notice a server that never answers.
   */
  validConfig: Record<string, unknown>;
  /** Starts a server the check must pass against (e.g. `listenLoopback(http.createServer(…))`). */
  healthy?: () => Promise<TestServer>;
  /** Signal timeout for the never-answering-server test, in milliseconds. Default 200. */
  timeoutMs?: number;
}

/** Keys core strips before a check sees its config; a schema declaring them would never get them. */
const ENGINE_KEYS = ['rise', 'fall', 'timeout'];

/**
 * Why `value` is not a check definition made by `defineCheck`; empty when it is one. Core's own
 * loader test (brand, kind, members), plus the name rule config files impose on plugin names.
 */
export function checkPluginProblems(value: unknown): string[] {
  const name = isRecord(value) && typeof value['name'] === 'string' ? value['name'] : '';
  const problems = pluginShapeProblems(value, 'checks', name);
  const bad = isRecord(value) ? nameProblem(name) : undefined;
  return bad === undefined ? problems : [...problems, bad];
}

function isCheckPlugin(value: unknown): value is CheckPlugin {
  return checkPluginProblems(value).length === 0;
}

/**
 * JSON pointers (`*` for "any item/key") of schema properties without a `description`, walking
 * nested objects, arrays, records and unions: every key a user can write must be documented.
 */
export function missingDescriptions(schema: unknown, at = ''): string[] {
  if (!isRecord(schema)) return [];
  const missing: string[] = [];
  const properties = schema['properties'];
  if (isRecord(properties)) {
    for (const [key, child] of Object.entries(properties)) {
      const description = isRecord(child) ? child['description'] : undefined;
      const documented = typeof description === 'string' && description.trim() !== '';
      if (!documented) missing.push(`${at}/${key}`);
      missing.push(...missingDescriptions(child, `${at}/${key}`));
    }
  }
  const patterns = schema['patternProperties'];
  const children = [schema['items'], schema['additionalProperties']];
  if (isRecord(patterns)) children.push(...Object.values(patterns));
  for (const child of children) missing.push(...missingDescriptions(child, `${at}/*`));
  for (const key of ['anyOf', 'oneOf', 'allOf']) {
    const members = schema[key];
    if (Array.isArray(members))
      for (const member of members) missing.push(...missingDescriptions(member, at));
  }
  return missing;
}

/** Applies the schema's defaults to a copy of `config`; returns it and its `pointer: message` problems. */
function validate(plugin: CheckPlugin, config: unknown): { value: unknown; problems: string[] } {
  const value = Value.Default(plugin.configSchema, structuredClone(config));
  const problems = [...Value.Errors(plugin.configSchema, value)].map(
    (error) => `${error.instancePath === '' ? '/' : error.instancePath}: ${error.message}`,
  );
  return { value, problems };
}

function testContext(plugin: CheckPlugin, target: CheckTarget): CheckContext {
  return {
    target,
    service: 'conformance',
    debug: debugFor(`plugin:checks:${plugin.name}`),
    log: silentLogger,
  };
}

/** Resolves like `promise`, or rejects with `message` if it has not settled after `ms`. */
async function settleWithin<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

function normalise(result: unknown): CheckResult {
  if (typeof result === 'boolean') return { ok: result };
  if (isRecord(result) && typeof result['ok'] === 'boolean') {
    const reason = result['reason'];
    if (reason === undefined || typeof reason === 'string') {
      return reason === undefined ? { ok: result['ok'] } : { ok: result['ok'], reason };
    }
  }
  throw new Error(`perform() resolved ${JSON.stringify(result)}, not a boolean or {ok, reason}`);
}

/**
 * Validates and defaults `config` with the plugin's schema (throwing an Error that lists
 * `pointer: message` per problem), creates the check against `target`, runs `perform` once with
 * an `AbortSignal.timeout`, disposes the check and returns `{ok, reason}`. A `perform` that throws
 * rejects (bundled checks must not throw for an expected failure), and one still pending
 * `graceMs` after the abort rejects as hung.
 */
export async function runCheck(
  plugin: CheckPlugin,
  config: unknown,
  target: CheckTarget,
  options: RunCheckOptions = {},
): Promise<CheckResult> {
  const { timeoutMs = 2000, graceMs = 1000 } = options;
  const { value, problems } = validate(plugin, config);
  if (problems.length > 0) {
    throw new Error(`invalid config for check "${plugin.name}":\n  ${problems.join('\n  ')}`);
  }
  const check = await plugin.create(value, testContext(plugin, target));
  try {
    const result = await settleWithin(
      check.perform(AbortSignal.timeout(timeoutMs)),
      timeoutMs + graceMs,
      `check "${plugin.name}": perform() still pending ${graceMs} ms after its signal aborted`,
    );
    return normalise(result);
  } finally {
    await check.dispose?.();
  }
}

/**
 * Listens on 127.0.0.1 with an OS-chosen port. Accepted sockets get an error listener: a check
 * resetting its connection is expected, and must not crash the test process.
 */
export async function listenLoopback(server: Server): Promise<TestServer> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('server has no TCP address');
  return {
    target: { host: '127.0.0.1', port: address.port },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A raw TCP server on loopback; without a handler it accepts and never answers (a hung service). */
export function startTcpServer(onConnection?: (socket: Socket) => void): Promise<TestServer> {
  return listenLoopback(net.createServer(onConnection ?? (() => undefined)));
}

/** A loopback address where nothing listens (a port the OS just handed out and took back). */
export async function refusedTarget(): Promise<CheckTarget> {
  return { host: '127.0.0.1', port: await freePort() };
}

/**
 * Registers a vitest `describe` block checking that `plugin` behaves like a lighthouse check:
 * built by `defineCheck`, a documented schema that accepts `validConfig` and rejects unknown
 * keys, and a `perform` that fails without throwing on a refused port, fails soon after its
 * signal aborts (already aborted, or against a server that never answers), and passes against
 * `options.healthy` when given.
 */
export function describeCheckPlugin(plugin: unknown, options: CheckConformanceOptions): void {
  const { validConfig, healthy, timeoutMs = 200 } = options;
  const label = isRecord(plugin) && typeof plugin['name'] === 'string' ? plugin['name'] : '?';
  const checkPlugin = (): CheckPlugin => {
    if (!isCheckPlugin(plugin)) throw new Error('not a check definition (see the first test)');
    return plugin;
  };

  describe(`check plugin "${label}" conformance`, () => {
    it('is a check definition made by defineCheck', () => {
      expect(checkPluginProblems(plugin)).toEqual([]);
    });

    it('accepts options.validConfig once defaults are applied', () => {
      expect(validate(checkPlugin(), validConfig).problems).toEqual([]);
    });

    it('rejects an unknown key', () => {
      const { problems } = validate(checkPlugin(), { ...validConfig, unexpected: true });
      expect(problems.some((problem) => problem.startsWith('/unexpected'))).toBe(true);
    });

    it('describes every schema property', () => {
      expect(missingDescriptions(checkPlugin().configSchema)).toEqual([]);
    });

    it('leaves rise, fall and timeout to the engine', () => {
      const schema: unknown = checkPlugin().configSchema;
      const properties = isRecord(schema) ? schema['properties'] : undefined;
      const declared = isRecord(properties) ? Object.keys(properties) : [];
      expect(declared.filter((key) => ENGINE_KEYS.includes(key))).toEqual([]);
    });

    it('fails without throwing against a refused port', async () => {
      const result = await runCheck(checkPlugin(), validConfig, await refusedTarget());
      expect(result.ok).toBe(false);
    });

    it('fails promptly when its signal is already aborted', async () => {
      const server = await startTcpServer();
      try {
        const { value } = validate(checkPlugin(), validConfig);
        const check = await checkPlugin().create(value, testContext(checkPlugin(), server.target));
        const pending = check.perform(AbortSignal.abort());
        const result = normalise(
          await settleWithin(pending, 1000, 'perform() ignored an aborted signal'),
        );
        await check.dispose?.();
        expect(result.ok).toBe(false);
      } finally {
        await server.close();
      }
    });

    it('fails soon after its signal aborts against a server that never answers', async () => {
      const server = await startTcpServer();
      try {
        const started = performance.now();
        const result = await runCheck(checkPlugin(), validConfig, server.target, { timeoutMs });
        expect(result.ok).toBe(false);
        expect(performance.now() - started).toBeLessThan(timeoutMs + 1000);
      } finally {
        await server.close();
      }
    });

    if (healthy !== undefined) {
      it('passes against options.healthy()', async () => {
        const server = await healthy();
        try {
          const result = await runCheck(checkPlugin(), validConfig, server.target);
          expect(result.ok, result.reason).toBe(true);
        } finally {
          await server.close();
        }
      });
    }
  });
}
