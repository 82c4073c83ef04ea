import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { PluginResolver } from '../contracts/resolver.js';
import type { ConfigIssue } from '../errors.js';
import { describeError } from '../errors.js';
import { compareText } from '../model/node.js';
import type { ConfigFileRef } from './layout.js';
import { configFileRef } from './layout.js';
import { describeValue } from './schema-errors.js';
import { isJsonObject, toPlainJson } from './plain-json.js';
import type { ConfigEntry } from './types.js';
import { validateCluster } from './validate-cluster.js';
import { validateLogging } from './validate-logging.js';
import { validateReporter } from './validate-reporter.js';
import { validateWriter } from './validate-writer.js';
import { validateBalancerFile, validateDiscoveryFile } from './validate-plugin-file.js';
import { validateService } from './validate-service.js';
import type { Problem, Validation, ValidationInput } from './validation.js';
import { parseYaml } from './yaml-source.js';

/**
 * One config file from bytes to a validated {@link ConfigEntry}: read, parse (YAML, one
 * document, a mapping), convert to plain JSON, validate by kind, and attach file and line to
 * every problem.
 */

/** A file after loading; `missing` lets the watcher tell a deletion from a broken file. */
export type LoadedFile =
  | { state: 'valid'; entry: ConfigEntry; lineOf(pointer: string): number | undefined }
  | { state: 'invalid'; issues: ConfigIssue[] }
  | { state: 'missing' };

/** The outcome of {@link loadConfigFile}. */
export type LoadFileResult =
  { ok: true; entry: ConfigEntry } | { ok: false; issues: ConfigIssue[] };

/** Orders issues by file, line (unlocated first), pointer and message. */
export function compareIssues(a: ConfigIssue, b: ConfigIssue): number {
  return (
    compareText(a.file, b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    compareText(a.pointer, b.pointer) ||
    compareText(a.message, b.message)
  );
}

/** An issue, with `line` only when the node was located. */
export function configIssue(
  file: string,
  pointer: string,
  message: string,
  line?: number,
): ConfigIssue {
  return line === undefined ? { file, pointer, message } : { file, pointer, message, line };
}

/** Runs the validator of the file's kind and wraps its value into an entry. */
async function validateEntry(
  ref: ConfigFileRef,
  input: ValidationInput,
): Promise<Validation<ConfigEntry>> {
  const { file } = ref;
  const wrap = <T>(
    result: Validation<T>,
    entry: (value: T) => ConfigEntry,
  ): Validation<ConfigEntry> => (result.ok ? { ok: true, value: entry(result.value) } : result);
  switch (ref.kind) {
    case 'logging':
      return wrap(validateLogging(input.document), (value) => ({
        kind: 'logging',
        name: 'logging',
        file,
        value,
      }));
    case 'reporter':
      return wrap(validateReporter(input.document), (value) => ({
        kind: 'reporter',
        name: 'reporter',
        file,
        value,
      }));
    case 'writer':
      return wrap(validateWriter(input.document), (value) => ({
        kind: 'writer',
        name: 'writer',
        file,
        value,
      }));
    case 'balancers':
      return wrap(await validateBalancerFile(input), (value) => ({
        kind: 'balancers',
        name: value.name,
        file,
        value,
      }));
    case 'discovery':
      return wrap(await validateDiscoveryFile(input), (value) => ({
        kind: 'discovery',
        name: value.name,
        file,
        value,
      }));
    case 'clusters':
      return wrap(await validateCluster(input), (value) => ({
        kind: 'clusters',
        name: value.name,
        file,
        value,
      }));
    case 'services':
      return wrap(await validateService(input), (value) => ({
        kind: 'services',
        name: value.name,
        file,
        value,
      }));
  }
}

/** Parses and validates the text of a config file. */
async function loadConfigText(
  ref: ConfigFileRef,
  text: string,
  resolver: PluginResolver,
): Promise<Exclude<LoadedFile, { state: 'missing' }>> {
  const { file } = ref;
  const fail = (...issues: ConfigIssue[]) => ({ state: 'invalid' as const, issues });
  const parsed = parseYaml(text);
  if (!parsed.ok) return fail(configIssue(file, '', parsed.message, parsed.line));
  const { value, lineOf } = parsed.document;
  if (value === undefined || value === null) return fail(configIssue(file, '', 'file is empty'));
  const plain = toPlainJson(value);
  if (!plain.ok)
    return fail(configIssue(file, plain.pointer, plain.message, lineOf(plain.pointer)));
  if (!isJsonObject(plain.value)) {
    return fail(
      configIssue(
        file,
        '',
        `expected a mapping of keys to values at the top level, got ${describeValue(plain.value)}`,
      ),
    );
  }
  const input: ValidationInput = {
    document: plain.value,
    resolver,
    kind: ref.kind,
    file,
    fileName: ref.fileName,
  };
  const result = await validateEntry(ref, input);
  if (result.ok) return { state: 'valid', entry: result.value, lineOf };
  const located = (problem: Problem): ConfigIssue => {
    const issue = configIssue(file, problem.pointer, problem.message, lineOf(problem.pointer));
    const suggestions = problem.suggestions ?? [];
    return suggestions.length === 0 ? issue : { ...issue, suggestions };
  };
  return fail(...result.problems.map(located).sort(compareIssues));
}

/** Reads, parses and validates one file of the config directory. */
export async function readConfigFile(
  dir: string,
  ref: ConfigFileRef,
  resolver: PluginResolver,
): Promise<LoadedFile> {
  let text: string;
  try {
    text = await readFile(join(dir, ref.file), 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { state: 'missing' };
    const reason =
      code === 'EISDIR'
        ? 'this is a directory, not a file'
        : `cannot read the file: ${describeError(error)}`;
    return { state: 'invalid', issues: [configIssue(ref.file, '', reason)] };
  }
  return loadConfigText(ref, text, resolver);
}

/**
 * Loads one config file, e.g. `loadConfigFile('/etc/lighthouse', 'clusters/web.yaml', resolver)`.
 * Only the file's own rules apply; rules across files (name collisions, a discovery method
 * without its file) are {@link loadConfigDir}'s.
 */
export async function loadConfigFile(
  dir: string,
  relativeFile: string,
  resolver: PluginResolver,
): Promise<LoadFileResult> {
  const ref = configFileRef(relativeFile);
  if (ref === undefined) {
    return {
      ok: false,
      issues: [
        configIssue(
          relativeFile,
          '',
          'not a config file: expected logging.yaml, reporter.yaml, writer.yaml or <balancers|discovery|clusters|services>/<name>.yaml (or .yml)',
        ),
      ],
    };
  }
  const loaded = await readConfigFile(dir, ref, resolver);
  if (loaded.state === 'valid') return { ok: true, entry: loaded.entry };
  return {
    ok: false,
    issues:
      loaded.state === 'missing' ? [configIssue(ref.file, '', 'file not found')] : loaded.issues,
  };
}
