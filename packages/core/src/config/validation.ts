import { isAbsolute, normalize } from 'node:path';
import type { PluginResolver } from '../contracts/resolver.js';
import { hasControlCharacter, nameProblem, printable } from '../model/names.js';
import { DEFAULT_STATE_DIR } from './schemas.js';
import type { JsonObject } from './plain-json.js';
import type { ConfigKind } from './types.js';

/**
 * The vocabulary shared by the validators of each file kind. A validator sees one parsed
 * document and reports problems as (JSON pointer, message); the file loader adds the file name
 * and the line, so validators stay free of paths and YAML.
 */

/** One problem inside a document. */
export interface Problem {
  pointer: string;
  message: string;
  /** What the user can do about it ("Try this:" lines), e.g. the package to install. */
  suggestions?: readonly string[];
}

/** The outcome of validating one document. */
export type Validation<T> = { ok: true; value: T } | { ok: false; problems: Problem[] };

/** What a validator gets: the document, who can resolve plugins, and where it came from. */
export interface ValidationInput {
  document: JsonObject;
  resolver: PluginResolver;
  kind: ConfigKind;
  /** The file, relative to the config directory (`clusters/web.yaml`), for plugin messages. */
  file: string;
  /** The name the file name gives (`web` for `clusters/web.yaml`). */
  fileName: string;
}

/** A failed validation. */
export function invalid(problems: Problem[]): { ok: false; problems: Problem[] } {
  return { ok: false, problems };
}

/**
 * The name of a cluster or service (`name:`, else the file name) or of a plugin file (the file
 * name), checked like every name that can reach a load-balancer config.
 */
export function validName(input: ValidationInput, override?: string): Validation<string> {
  if (override !== undefined) {
    const problem = nameProblem(override);
    return problem === undefined
      ? { ok: true, value: override }
      : invalid([{ pointer: '/name', message: problem }]);
  }
  const problem = nameProblem(input.fileName);
  if (problem === undefined) return { ok: true, value: input.fileName };
  const fix =
    input.kind === 'clusters' || input.kind === 'services'
      ? 'rename the file or set `name:`'
      : 'rename the file';
  return invalid([{ pointer: '', message: `the file name gives the name: ${problem}; ${fix}` }]);
}

/**
 * A daemon's `state_dir` (`reporter.yaml`, `writer.yaml`; the default when absent): absolute,
 * without control characters, normalised.
 */
export function validStateDir(stateDir = DEFAULT_STATE_DIR): Validation<string> {
  if (!isAbsolute(stateDir) || hasControlCharacter(stateDir))
    return invalid([
      { pointer: '/state_dir', message: `"${printable(stateDir)}" is not an absolute path` },
    ]);
  return { ok: true, value: normalize(stateDir) };
}
