import { stat } from 'node:fs/promises';
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PLUGIN_BRAND } from '../define.js';
import type { AnyPlugin } from '../define.js';
import { ErrorCode, describeError } from '../errors.js';
import { debugFor } from '../log.js';
import { isRecord } from '../is-record.js';
import { expectImportEcho, listenForImportEchoes } from './import-echo.js';
import { definers, pluginShapeProblems } from './shape.js';
import type { PluginEntry, PluginFailure } from './types.js';

const debug = debugFor('core:plugins:load');

const seeStack = 'Run with DEBUG=lighthouse:core:plugins:* to see the stack';

/** Phase 2's result for one entry: the validated plugin, or why it cannot be used. */
export type LoadOutcome =
  | { readonly ok: true; readonly plugin: AnyPlugin }
  | { readonly ok: false; readonly failure: PluginFailure };

function failed(
  code: ErrorCode,
  reason: string,
  suggestions: string[],
  cause?: unknown,
): LoadOutcome {
  const failure = { code, reason, suggestions, ...(cause === undefined ? {} : { cause }) };
  return { ok: false, failure };
}

/** `./dist/http.js`: the entry file as its manifest spells it. */
function shortFile(entry: PluginEntry): string {
  return `./${relative(entry.packageDir, entry.file).split('\\').join('/')}`;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** The module specifier a "cannot find" error is about (ESM and CJS word it differently). */
function missingSpecifier(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const code = 'code' in error ? error.code : undefined;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return undefined;
  return /Cannot find (?:package|module) '([^']+)'/.exec(error.message)?.[1] ?? 'a module';
}

/**
 * The entry file exists (checked before importing), so a "cannot find" error here is about an
 * import *inside* the plugin: the package is installed but incomplete. Reporting that as "not
 * found" would send the user looking for a package they already have (verdaccio's `tryLoad`).
 */
function importFailure(entry: PluginEntry, error: unknown): LoadOutcome {
  const missing = missingSpecifier(error);
  if (missing !== undefined) {
    return failed(
      ErrorCode.PluginLoadFailed,
      `failed to load: ${shortFile(entry)} imports "${missing}", which cannot be found (${describeError(error)})`,
      [
        `Reinstall ${entry.packageName} so that its own dependencies are installed too (npm install ${entry.packageName})`,
      ],
      error,
    );
  }
  const addon = unbuiltAddon(error);
  if (addon !== undefined) {
    const name = addon === '' ? 'a native addon' : `its native addon ${addon}`;
    return failed(
      ErrorCode.PluginLoadFailed,
      `failed to load: ${name} is not built for this machine (${describeError(error)})`,
      [
        `Allow and run its build, in the directory that installed ${entry.packageName}: npm install-scripts approve ${addon || '<package>'} && npm rebuild ${addon} (npm 11 runs a dependency's install script only when the root package.json's "allowScripts" lists it)`,
        'The build needs a C/C++ toolchain and Python (Debian: apt-get install python3 make g++)',
      ],
      error,
    );
  }
  return failed(
    ErrorCode.PluginLoadFailed,
    `failed to load: importing ${shortFile(entry)} threw: ${describeError(error)}`,
    [
      `Check that ${entry.packageName} supports this Node.js (${process.version}), or report the error to its maintainers`,
      seeStack,
    ],
    error,
  );
}

/**
 * The package of a native addon that could not be loaded: node-gyp-build's "No native build was
 * found … loaded from: <dir>" or bindings' "Could not locate the bindings file", or an addon built
 * for another Node.js (NODE_MODULE_VERSION). Undefined for any other error.
 */
function unbuiltAddon(error: unknown): string | undefined {
  const text = error instanceof Error ? error.message : '';
  if (
    !/No native build was found|Could not locate the bindings file|NODE_MODULE_VERSION/.test(text)
  )
    return undefined;
  // The last node_modules/<package> in the message: the addon's own directory.
  const packages = [...text.matchAll(/node_modules\/((?:@[^/\s]+\/)?[^/\s]+)/g)];
  return packages.at(-1)?.[1] ?? '';
}

/** Picks the export the manifest names; `default` of a CJS module may be wrapped once more. */
function unwrap(module: unknown, exportName: string): unknown {
  if (!isRecord(module)) return undefined;
  const cjsExports = module['default'];
  if (exportName !== 'default') {
    // Node sees only the named exports of CJS it detects statically; fall back to module.exports.
    return module[exportName] ?? (isRecord(cjsExports) ? cjsExports[exportName] : undefined);
  }
  // `exports.default = plugin` (TypeScript's CJS output) arrives as `default.default`.
  return isRecord(cjsExports) && 'default' in cjsExports && !(PLUGIN_BRAND in cjsExports)
    ? cjsExports['default']
    : cjsExports;
}

/** The plugin the module exports, or why it is not one. */
function pluginOf(entry: PluginEntry, module: unknown): LoadOutcome {
  const value = unwrap(module, entry.exportName);
  if (value === undefined) {
    const missing =
      entry.exportName === 'default' ? 'default export' : `export named "${entry.exportName}"`;
    return failed(ErrorCode.PluginInvalid, `is invalid: ${shortFile(entry)} has no ${missing}`, [
      `Ask the maintainers of ${entry.packageName} to fix the "lighthouse" key of its package.json`,
    ]);
  }
  const problems = pluginShapeProblems(value, entry.kind, entry.name);
  // The shape check established brand, kind, name, schemas and create: this is a plugin.
  if (problems.length === 0) return { ok: true, plugin: value as AnyPlugin };
  const subject =
    entry.exportName === 'default'
      ? shortFile(entry)
      : `export "${entry.exportName}" of ${shortFile(entry)}`;
  return failed(ErrorCode.PluginInvalid, `is invalid: ${subject} ${problems.join(', and ')}`, [
    `Ask the maintainers of ${entry.packageName} to export the value of ${definers[entry.kind]}() from @lighthouse/core`,
  ]);
}

/** Runs the plugin's own `checkDependencies()`, if any: a reason means it cannot run here. */
async function dependencyFailure(plugin: AnyPlugin): Promise<LoadOutcome | undefined> {
  let reason: string | undefined;
  try {
    reason = await plugin.checkDependencies?.();
  } catch (error) {
    return failed(
      ErrorCode.PluginLoadFailed,
      `failed to load: its checkDependencies() threw: ${describeError(error)}`,
      [seeStack],
      error,
    );
  }
  if (reason === undefined) return undefined;
  return failed(ErrorCode.PluginLoadFailed, `cannot run on this machine: ${reason}`, [
    `Install what the ${plugin.kind} plugin "${plugin.name}" needs, or stop using it on this machine`,
  ]);
}

/**
 * Phase 2 for one entry: import its file, pick the export, validate the shape, and ask the plugin
 * whether it can run here. Never rejects; the registry caches the outcome.
 */
export async function loadEntry(entry: PluginEntry): Promise<LoadOutcome> {
  if (!(await isFile(entry.file))) {
    return failed(
      ErrorCode.PluginInvalid,
      `is invalid: its manifest points at ${shortFile(entry)}, which does not exist — was the package built?`,
      [`Reinstall ${entry.packageName}, or build it if it is linked from a local checkout`],
    );
  }
  let module: unknown;
  listenForImportEchoes();
  try {
    // By absolute file URL, one loader serves ESM and CJS and `exports` maps do not apply.
    module = await import(pathToFileURL(entry.file).href);
  } catch (error) {
    expectImportEcho(error);
    debug('importing %s failed: %O', entry.file, error);
    return importFailure(entry, error);
  }
  let outcome: LoadOutcome;
  try {
    outcome = pluginOf(entry, module);
  } catch (error) {
    // Getters and proxies are plugin code too: a throwing one is a load failure, not a crash.
    return failed(
      ErrorCode.PluginLoadFailed,
      `failed to load: reading the exports of ${shortFile(entry)} threw: ${describeError(error)}`,
      [seeStack],
      error,
    );
  }
  if (!outcome.ok) return outcome;
  const unmet = await dependencyFailure(outcome.plugin);
  if (unmet !== undefined) return unmet;
  debug('plugin %s/%s successfully loaded from %s', entry.kind, entry.name, entry.file);
  return outcome;
}
