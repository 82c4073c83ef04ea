import { isAbsolute, relative, resolve } from 'node:path';
import Type from 'typebox';
import type { Static } from 'typebox';
import Value from 'typebox/value';
import { PLUGIN_API_VERSION, PluginKinds } from '../define.js';
import { isRecord } from '../is-record.js';
import type { PluginKind } from '../define.js';
import { nameProblem } from '../model/names.js';

/** Where a plugin lives: a file of the package, relative to its directory. */
const PluginTarget = Type.Union([
  Type.String({
    minLength: 1,
    description: 'File whose default export is the plugin, relative to the package directory.',
  }),
  Type.Object(
    {
      target: Type.String({
        minLength: 1,
        description: 'File that exports the plugin, relative to the package directory.',
      }),
      export: Type.Optional(
        Type.String({
          minLength: 1,
          description: 'Name of the export that holds the plugin; the default export if omitted.',
        }),
      ),
    },
    { additionalProperties: false },
  ),
]);

/** The target of one plugin: `"./dist/http.js"` or `{ "target": "./dist/index.js", "export": "http" }`. */
export type PluginTarget = Static<typeof PluginTarget>;

function section(what: string) {
  return Type.Optional(
    Type.Record(Type.String(), PluginTarget, {
      description: `The ${what} this package provides: plugin name → file (or { target, export }).`,
    }),
  );
}

/**
 * The `"lighthouse"` key of a plugin package's package.json: the npm counterpart of lighthouse
 * 1.0's entry points. It declares which plugins the package provides, so core can find them by
 * reading package.json files only and import a plugin's code when a config file first names it.
 *
 * - `apiVersion` is the plugin API the package was built for. It is checked before any code is
 *   imported; this lighthouse implements {@link PLUGIN_API_VERSION}.
 * - `checks`, `discovery` and `balancers` map a plugin name (what config files use: letters,
 *   digits, `_`, `-`, `.`, `:`) to the file that default-exports the plugin, or to
 *   `{ "target": file, "export": name }` for a named export. Files are relative to the package
 *   directory and must stay inside it.
 *
 * Because the npm name "lighthouse" is crowded (Google Lighthouse), a `"lighthouse"` key without
 * `apiVersion` is taken to be another tool's config and ignored.
 *
 * @example
 * ```json
 * "lighthouse": { "apiVersion": 2, "checks": { "http": "./dist/http.js" } }
 * ```
 *
 * @example A package with two plugins, one of them a named export
 * ```json
 * "lighthouse": {
 *   "apiVersion": 2,
 *   "discovery": { "consul": "./dist/consul.js" },
 *   "checks": { "consul-agent": { "target": "./dist/index.js", "export": "agentCheck" } }
 * }
 * ```
 */
export const PluginManifest = Type.Object(
  {
    apiVersion: Type.Integer({
      minimum: 1,
      description: `The plugin API version the package targets; this lighthouse implements ${PLUGIN_API_VERSION}.`,
    }),
    checks: section('health checks'),
    discovery: section('discovery methods'),
    balancers: section('load balancers'),
    agents: section('agents load balancers ask (e.g. HAProxy agent-check)'),
  },
  { additionalProperties: false },
);

/** A valid `"lighthouse"` key; see {@link PluginManifest}. */
export type PluginManifest = Static<typeof PluginManifest>;

/** One plugin a valid manifest declares, with its file made absolute. */
export interface ManifestTarget {
  readonly kind: PluginKind;
  readonly name: string;
  /** Absolute path of the file, inside the package directory. */
  readonly file: string;
  /** `'default'` or the named export. */
  readonly exportName: string;
}

/** What a package's `"lighthouse"` key turned out to be. */
export type ManifestReading =
  /** No key: not a plugin package. */
  | { readonly status: 'absent' }
  /** A key that is not ours (no `apiVersion`): worth a debug note, nothing more. */
  | { readonly status: 'foreign' }
  | { readonly status: 'valid'; readonly targets: readonly ManifestTarget[] }
  /**
   * A lighthouse manifest we cannot use. `claims` are the plugin names it appears to declare, so
   * a config file naming one is told the package is broken rather than that nothing provides it.
   */
  | {
      readonly status: 'invalid';
      /** `<JSON pointer>: <problem>` lines. */
      readonly reasons: readonly string[];
      /** What the user can do about it (a "Try this:" line). */
      readonly suggestion: string;
      readonly claims: readonly { kind: PluginKind; name: string }[];
    };

/** Plugin names the manifest seems to declare, read as leniently as possible. */
function claimsOf(key: Record<string, unknown>): { kind: PluginKind; name: string }[] {
  return PluginKinds.flatMap((kind) => {
    const names = key[kind];
    return isRecord(names) ? Object.keys(names).map((name) => ({ kind, name })) : [];
  });
}

/** TypeBox reports every failed union branch; keep one readable line per location. */
function schemaReasons(key: unknown): string[] {
  const lines: string[] = [];
  for (const error of Value.Errors(PluginManifest, key)) {
    if (error.schemaPath.includes('/anyOf/') || error.keyword === 'additionalProperties') continue;
    const message =
      error.keyword === 'boolean'
        ? 'is not a known key (expected apiVersion, checks, discovery, balancers or agents)'
        : error.keyword === 'anyOf'
          ? 'must be a file path or { "target": file, "export": name }'
          : error.message;
    lines.push(`${error.instancePath === '' ? '/' : error.instancePath}: ${message}`);
  }
  return lines;
}

const fixManifest =
  'Ask the maintainers of the package to fix its "lighthouse" key (documented as PluginManifest in @lighthouse/core)';

/** Makes a target absolute, or says why it may not be used. */
function targetFile(packageDir: string, target: string): string | { problem: string } {
  // A plugin may only run its own files: an absolute path or a `../` escape would let a
  // package.json point core at arbitrary code elsewhere on the machine.
  if (isAbsolute(target)) return { problem: `target "${target}" must be relative to the package` };
  const file = resolve(packageDir, target);
  const inside = relative(packageDir, file);
  if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
    return { problem: `target "${target}" points outside the package` };
  }
  return file;
}

/** Checks names and targets of a manifest that passed the schema. */
function targetsOf(
  manifest: PluginManifest,
  packageDir: string,
): { targets: ManifestTarget[]; reasons: string[] } {
  const targets: ManifestTarget[] = [];
  const reasons: string[] = [];
  for (const kind of PluginKinds) {
    for (const [name, target] of Object.entries(manifest[kind] ?? {})) {
      const spec = typeof target === 'string' ? { target } : target;
      const badName = nameProblem(name);
      const file = targetFile(packageDir, spec.target);
      if (badName !== undefined) reasons.push(`/${kind}: ${badName}`);
      if (typeof file !== 'string') reasons.push(`/${kind}/${name}: ${file.problem}`);
      else targets.push({ kind, name, file, exportName: spec.export ?? 'default' });
    }
  }
  return { targets, reasons };
}

/**
 * Reads a package's `"lighthouse"` key (`undefined` when absent) without importing anything:
 * `apiVersion` first, then the schema, plugin names and targets.
 */
export function readManifest(key: unknown, packageDir: string): ManifestReading {
  if (key === undefined) return { status: 'absent' };
  if (!isRecord(key) || !('apiVersion' in key)) return { status: 'foreign' };
  const claims = claimsOf(key);
  const apiVersion = key['apiVersion'];
  // Another apiVersion may mean another layout, so say only that and check nothing else.
  if (apiVersion !== PLUGIN_API_VERSION && Number.isInteger(apiVersion)) {
    const reasons = [
      `/apiVersion: ${String(apiVersion)} is not supported (this lighthouse implements plugin API version ${PLUGIN_API_VERSION})`,
    ];
    const suggestion = `Install a version of the package built for plugin API version ${PLUGIN_API_VERSION}, or a lighthouse that implements version ${String(apiVersion)}`;
    return { status: 'invalid', reasons, suggestion, claims };
  }
  if (!Value.Check(PluginManifest, key)) {
    return { status: 'invalid', reasons: schemaReasons(key), suggestion: fixManifest, claims };
  }
  const { targets, reasons } = targetsOf(key, packageDir);
  return reasons.length > 0
    ? { status: 'invalid', reasons, suggestion: fixManifest, claims }
    : { status: 'valid', targets };
}
