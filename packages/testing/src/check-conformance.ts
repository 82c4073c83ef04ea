import net from 'node:net';
import type { Server, Socket } from 'node:net';
import { describe, it } from 'vitest';
import { describeError, isRecord, nameProblem, silentLogger } from '@lighthouse/core';
import type { Check, CheckPlugin, CheckTarget } from '@lighthouse/core';
import {
  instantiate,
  pluginShapeProblems,
  runCheck,
  validateCheckConfig,
} from '@lighthouse/core/engine';
import type { CheckOutcome } from '@lighthouse/core/engine';
import { freePort } from './free-port.js';

/**
 * Conformance tests for health-check plugins, and the small helpers they are built from, so a
 * third-party check author gets the same guarantees our bundled checks are held to. Nothing here
 * re-implements the host: config is validated by core's `validateCheckConfig` (what the reporter
 * does to a service file's `checks.<name>`), and runs go through the engine's `runCheck` (its
 * timeout and normalisation). On top, the suite watches `perform` itself, for what the engine
 * cannot see: a `perform` that keeps running after its signal aborted, or that throws or
 * resolves something other than a boolean or `{ ok, reason }`.
 */

/** A loopback server started for a test. `close` also destroys the connections it accepted. */
export interface TestServer {
  target: CheckTarget;
  close(): Promise<void>;
}

/**
 * What {@link CheckConformanceOptions.healthy} sets up for the check to pass. A {@link TestServer}
 * is one; a check that does not connect returns the config that makes it pass instead.
 */
export interface HealthySetup {
  /** Where the check probes. Default: a loopback port nothing listens on. */
  target?: CheckTarget;
  /** The config for this run, instead of `validConfig` (e.g. the path of a file just created). */
  config?: Record<string, unknown>;
  /** Undoes the setup: stops the server, removes the file. */
  close(): Promise<void>;
}

/** Options of {@link performCheck}. */
export interface PerformCheckOptions {
  /** Milliseconds until the engine gives up and aborts the signal `perform` got. Default 2000. */
  timeoutMs?: number;
  /** How long `perform` may take to settle after the abort before it counts as hung. Default 1000. */
  graceMs?: number;
}

/** Options of {@link describeCheckPlugin}. */
export interface CheckConformanceOptions {
  /**
   * A config the plugin accepts, as a service file's `checks.<name>` would hold it (defaults not
   * yet applied), used for every run. For a check that connects it must make the check talk to
   * the server: a connect-only config cannot notice a server that never answers.
   */
  validConfig: Record<string, unknown>;
  /**
   * The check opens a connection to its target (default true). False for file- or command-based
   * checks: the refused-port and never-answering-server cases are then skipped.
   */
  connects?: boolean;
  /**
   * Sets up what the check must pass against, undone after the run: a server for a check that
   * connects (e.g. `() => listenLoopback(http.createServer(…))`), or a file and the config
   * pointing at it for a file-based check. Without it the "passes" case is skipped.
   */
  healthy?: () => Promise<HealthySetup>;
  /** Signal timeout for the never-answering-server case, in milliseconds. Default 200. */
  timeoutMs?: number;
  /**
   * Where the plugin ships from, named in failure messages: the package and the file its
   * `"lighthouse"` manifest points at, e.g. `lighthouse-check-memcached/dist/index.js`.
   */
  source?: string;
}

/** Keys core strips before a check sees its config; a schema declaring them would never get them. */
const ENGINE_KEYS = ['rise', 'fall', 'timeout'];

/** How long a `perform` may run on after its signal aborted, in the suite's cases. */
const GRACE_MS = 1000;

/** A signal that never aborts: the engine's "stop" while the daemon keeps running. */
const running = new AbortController().signal;

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

/** `/pointer: message` lines, as `lighthouse validate` prints them (without the file). */
function issueLines(issues: readonly { pointer: string; message: string }[]): string[] {
  return issues.map((issue) => `${issue.pointer === '' ? '/' : issue.pointer}: ${issue.message}`);
}

/** How `perform` itself settled, watched beside the engine's `runCheck`. */
type Settlement =
  | { how: 'resolved'; value: unknown }
  | { how: 'threw'; error: unknown; afterAbort: boolean }
  | { how: 'hung' };

/** One run: what the engine recorded, and what `perform` did. */
interface ObservedRun {
  outcome: CheckOutcome;
  perform: Settlement;
}

/** Resolves like `settlement`, or as hung if it has not settled `ms` from now. */
async function settledWithin(settlement: Promise<Settlement>, ms: number): Promise<Settlement> {
  let timer: NodeJS.Timeout | undefined;
  const grace = new Promise<Settlement>((resolve) => {
    timer = setTimeout(() => resolve({ how: 'hung' }), ms);
  });
  try {
    return await Promise.race([settlement, grace]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Creates the check as the engine does (its context, already-validated config), runs it once
 * through the engine's `runCheck`, gives `perform` `graceMs` to settle if the run was cut off,
 * and disposes the check.
 */
async function observeRun(
  plugin: CheckPlugin,
  config: unknown,
  target: CheckTarget,
  options: { timeoutMs: number; graceMs: number; stop?: AbortSignal },
): Promise<ObservedRun> {
  const created = await instantiate({
    kind: 'checks',
    name: plugin.name,
    logger: silentLogger,
    create: (context) => plugin.create(config, { ...context, target, service: 'conformance' }),
    release: (late) => late.dispose?.(),
    timeoutMs: options.timeoutMs,
  });
  if (!created.ok) throw new Error(`create() failed: ${created.reason}`);
  const check = created.value;
  // Replaced when the engine calls `perform`, which `runCheck` does before it first awaits.
  let settlement: Promise<Settlement> = Promise.resolve({ how: 'hung' });
  const watched: Check = {
    perform(signal) {
      const threw = (error: unknown): Settlement => ({
        how: 'threw',
        error,
        afterAbort: signal.aborted,
      });
      try {
        const pending = check.perform(signal);
        settlement = Promise.resolve(pending).then(
          (value): Settlement => ({ how: 'resolved', value }),
          threw,
        );
        return pending;
      } catch (error) {
        settlement = Promise.resolve(threw(error));
        throw error;
      }
    },
  };
  try {
    const outcome = await runCheck(watched, options.timeoutMs, options.stop ?? running);
    return { outcome, perform: await settledWithin(settlement, options.graceMs) };
  } finally {
    await check.dispose?.();
  }
}

/** True for a `perform` result that reports the service healthy. */
function passed(value: unknown): boolean {
  return value === true || (isRecord(value) && value['ok'] === true);
}

function isCheckResult(value: unknown): boolean {
  if (typeof value === 'boolean') return true;
  if (!isRecord(value) || typeof value['ok'] !== 'boolean') return false;
  return value['reason'] === undefined || typeof value['reason'] === 'string';
}

/**
 * What `perform` did that breaks the check contract, or undefined: hung after its signal
 * aborted, threw before it aborted (an expected failure is `{ ok: false, reason }`; throwing once
 * the engine gave up is fine), or resolved something else than a boolean or `{ ok, reason }`.
 */
function contractProblem(perform: Settlement, graceMs: number): string | undefined {
  switch (perform.how) {
    case 'hung':
      return `perform() still pending ${graceMs} ms after its signal aborted: it must stop its work (close sockets, clear timers) and settle when the signal aborts`;
    case 'threw':
      return perform.afterAbort
        ? undefined
        : `perform() threw ${describeError(perform.error)}: return { ok: false, reason } for an expected failure (the engine would record the error message as the reason)`;
    case 'resolved':
      return isCheckResult(perform.value)
        ? undefined
        : `perform() resolved ${JSON.stringify(perform.value) ?? String(perform.value)}, not a boolean or { ok, reason }`;
  }
}

/** Validates `config` with core's `validateCheckConfig`, throwing an Error listing its issues. */
function validConfigFor(plugin: CheckPlugin, config: unknown): unknown {
  const result = validateCheckConfig(plugin, config);
  if (result.ok) return result.config;
  throw new Error(
    `invalid config for check "${plugin.name}":\n  ${issueLines(result.issues).join('\n  ')}`,
  );
}

/**
 * One run of a check, the way the engine runs it: `config` is validated exactly as a service
 * file's `checks.<name>` (core's `validateCheckConfig`; an invalid one throws an Error listing
 * `pointer: message` per issue), the check is created against `target`, run once through the
 * engine's `runCheck` with `timeoutMs` and disposed. Resolves the `{ ok, reason }` the engine
 * records (`timed out after … ms` when the deadline passed). Rejects when `perform` breaks the
 * check contract, so a test notices: still pending `graceMs` after its signal aborted, throwing
 * before the abort, or resolving something other than a boolean or `{ ok, reason }`.
 */
export async function performCheck(
  plugin: CheckPlugin,
  config: unknown,
  target: CheckTarget,
  options: PerformCheckOptions = {},
): Promise<CheckOutcome> {
  const { timeoutMs = 2000, graceMs = 1000 } = options;
  const run = await observeRun(plugin, validConfigFor(plugin, config), target, {
    timeoutMs,
    graceMs,
  });
  const problem = contractProblem(run.perform, graceMs);
  if (problem !== undefined) throw new Error(`check "${plugin.name}": ${problem}`);
  return run.outcome;
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

/** A failed conformance rule; its message names the plugin, the rule and what to change. */
class CheckConformanceError extends Error {
  override name = 'CheckConformanceError';
}

/** One rule of {@link describeCheckPlugin}: its test title and its verdict. */
export interface ConformanceRule {
  title: string;
  /**
   * Resolves undefined when the plugin follows the rule, else the failure message: the plugin
   * (and `options.source`), the rule, what it did and what to change.
   */
  check(): Promise<string | undefined>;
}

/**
 * The rules {@link describeCheckPlugin} registers, in order, each runnable on its own.
 * @internal Not exported from the package: its own tests check the failure messages with it.
 */
export function conformanceRules(
  plugin: unknown,
  options: CheckConformanceOptions,
): ConformanceRule[] {
  const { validConfig, healthy, connects = true, timeoutMs = 200, source } = options;
  const name = isRecord(plugin) && typeof plugin['name'] === 'string' ? plugin['name'] : '?';
  const who = `check plugin "${name}"${source === undefined ? '' : ` (${source})`}`;
  const section = `checks.${name}`;
  const rules: ConformanceRule[] = [];
  /** Adds a rule; `problem` says what is wrong, or undefined when the plugin conforms. */
  const rule = (title: string, problem: () => Promise<string | undefined> | string | undefined) => {
    rules.push({
      title,
      async check() {
        let found: string | undefined;
        try {
          found = await problem();
        } catch (error) {
          if (!(error instanceof CheckConformanceError)) throw error;
          found = error.message;
        }
        return found === undefined ? undefined : `${who} breaks the rule "${title}": ${found}`;
      },
    });
  };
  const checkPlugin = (): CheckPlugin => {
    if (checkPluginProblems(plugin).length === 0) return plugin as CheckPlugin;
    throw new CheckConformanceError(
      'it is not a check definition, so this cannot be tested (see "is a check definition made by defineCheck").',
    );
  };
  /** Runs the plugin once; an invalid config ends the rule (the config rule says more). */
  const observe = (
    target: CheckTarget,
    runOptions: { timeoutMs: number; stop?: AbortSignal },
    config: unknown = validConfig,
  ): Promise<ObservedRun> => {
    const valid = validateCheckConfig(checkPlugin(), config);
    if (!valid.ok) {
      throw new CheckConformanceError(
        `the config for this run is invalid, so this cannot be tested:\n  ${issueLines(valid.issues).join('\n  ')}`,
      );
    }
    return observeRun(checkPlugin(), valid.config, target, { ...runOptions, graceMs: GRACE_MS });
  };
  const broken = (run: ObservedRun): string | undefined => contractProblem(run.perform, GRACE_MS);

  rule('is a check definition made by defineCheck', () => {
    const problems = checkPluginProblems(plugin);
    if (problems.length === 0) return undefined;
    return `what it exports\n  ${problems.join('\n  ')}\nA check plugin is the value of defineCheck({...}) from @lighthouse/core, exported from the file the package's "lighthouse" manifest names.`;
  });

  rule(`accepts options.validConfig as a service file's ${section}`, () => {
    const result = validateCheckConfig(checkPlugin(), validConfig);
    if (result.ok) return undefined;
    return `lighthouse would reject it:\n  ${issueLines(result.issues).join('\n  ')}\nFix options.validConfig, or the configSchema / validateConfig if this config should be valid.`;
  });

  rule('rejects an unknown key', () => {
    const result = validateCheckConfig(checkPlugin(), { ...validConfig, unexpected: true });
    if (!result.ok && result.issues.some((issue) => issue.pointer === '/unexpected')) {
      return undefined;
    }
    return `${section}.unexpected was accepted, so a misspelt option would be silently ignored. Declare the configSchema with { additionalProperties: false }.`;
  });

  rule('describes every schema property', () => {
    const missing = missingDescriptions(checkPlugin().configSchema);
    if (missing.length === 0) return undefined;
    return `configSchema properties without a description: ${missing.join(', ')}. Users read them in \`lighthouse schema\` and their editors; add { description: '…' } to each.`;
  });

  rule('leaves rise, fall and timeout to the engine', () => {
    const schema: unknown = checkPlugin().configSchema;
    const properties = isRecord(schema) ? schema['properties'] : undefined;
    const declared = isRecord(properties) ? Object.keys(properties) : [];
    const taken = declared.filter((key) => ENGINE_KEYS.includes(key));
    if (taken.length === 0) return undefined;
    return `configSchema declares ${taken.join(', ')}, which lighthouse keeps for itself: the check never receives them. Rename the option.`;
  });

  if (connects) {
    rule('fails without throwing when the port is refused', async () => {
      const run = await observe(await refusedTarget(), { timeoutMs: 2000 });
      const problem = broken(run);
      if (problem !== undefined) return `against a refused port, ${problem}.`;
      return run.outcome.ok ? 'a refused port counted as healthy.' : undefined;
    });
  }

  rule('settles promptly when its signal is already aborted', async () => {
    // A check that connects gets a server that never answers: only the signal can end the run.
    const server = connects ? await startTcpServer() : undefined;
    try {
      const target = server?.target ?? (await refusedTarget());
      const run = await observe(target, { timeoutMs: 2000, stop: AbortSignal.abort() });
      const problem = broken(run);
      if (problem !== undefined) return `given an aborted signal, ${problem}.`;
      if (connects && run.perform.how === 'resolved' && passed(run.perform.value)) {
        return 'given an aborted signal, it passed against a server that never answers.';
      }
      return undefined;
    } finally {
      await server?.close();
    }
  });

  if (connects) {
    rule(
      'fails, stopping soon after its signal aborts, against a server that never answers',
      async () => {
        const server = await startTcpServer();
        try {
          const run = await observe(server.target, { timeoutMs });
          const problem = broken(run);
          if (problem !== undefined) return `with a ${timeoutMs} ms timeout, ${problem}.`;
          if (!run.outcome.ok) return undefined;
          return 'it passed against a server that never answers: options.validConfig must make the check talk to the server (a connect-only config cannot notice a hung service).';
        } finally {
          await server.close();
        }
      },
    );
  }

  if (healthy !== undefined) {
    rule('passes against options.healthy()', async () => {
      const setup = await healthy();
      try {
        const target = setup.target ?? (await refusedTarget());
        const run = await observe(target, { timeoutMs: 2000 }, setup.config ?? validConfig);
        const problem = broken(run);
        if (problem !== undefined) return `against options.healthy(), ${problem}.`;
        if (run.outcome.ok) return undefined;
        const hint =
          connects && setup.target === undefined
            ? ' options.healthy() returned no target to connect to.'
            : '';
        return `it failed against options.healthy(): ${run.outcome.reason ?? 'no reason given'}.${hint}`;
      } finally {
        await setup.close();
      }
    });
  }
  return rules;
}

/**
 * Registers a vitest `describe` block checking that `plugin` behaves like a lighthouse check,
 * one test per rule: made by `defineCheck`; `validConfig` valid as a service file's
 * `checks.<name>` (core's own validation); an unknown key rejected; every schema property
 * described; no `rise`, `fall` or `timeout` option; `perform` settles promptly once its signal
 * aborts; passes against `options.healthy` when given. For a check that `connects` (the default)
 * also: fails without throwing on a refused port, and fails, stopping soon after its signal
 * aborts, against a server that never answers. Runs go through the engine's `runCheck`. A
 * failure names the plugin (and `options.source`), the rule, what happened and what to change.
 */
export function describeCheckPlugin(plugin: unknown, options: CheckConformanceOptions): void {
  const name = isRecord(plugin) && typeof plugin['name'] === 'string' ? plugin['name'] : '?';
  // A failure's stack is this call's, so the test runner points at the line naming the plugin
  // rather than at the suite's internals.
  const site: { stack?: string } = {};
  Error.captureStackTrace(site, describeCheckPlugin);
  const frames = (site.stack ?? '')
    .split('\n')
    .filter((line) => line.trimStart().startsWith('at '));
  describe(`check plugin "${name}" conformance`, () => {
    for (const rule of conformanceRules(plugin, options)) {
      it(rule.title, async () => {
        const failure = await rule.check();
        if (failure === undefined) return;
        const error = new CheckConformanceError(failure);
        error.stack = [`${error.name}: ${failure}`, ...frames].join('\n');
        throw error;
      });
    }
  });
}
