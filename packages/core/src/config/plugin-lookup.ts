import type { PluginKind, PluginOf } from '../define.js';
import { describeError, ErrorCode, isPluginError } from '../errors.js';
import { nameProblem } from '../model/names.js';
import { didYouMean } from '../did-you-mean.js';
import type { Problem, ValidationInput } from './validation.js';

/**
 * Resolves the plugins a file names and turns a failure into a problem at the key that named
 * it. A plugin that is not installed gets a "did you mean"; one that is installed but broken
 * keeps the resolver's message (what failed and how to fix it).
 */

/** Options of {@link lookupPlugin}. */
export interface LookupOptions {
  /** Prefix for a not-found message, e.g. `unknown key "haproxi"`. */
  context?: string;
  /** What to suggest instead; default the installed plugins of the kind. */
  candidates?: readonly string[];
}

/** The plugin, or the problem to report at `pointer`. */
export type Lookup<K extends PluginKind> =
  { ok: true; plugin: PluginOf<K> } | { ok: false; problem: Problem };

/** Resolves plugin `name` of `kind` for the file being validated. */
export async function lookupPlugin<K extends PluginKind>(
  input: ValidationInput,
  kind: K,
  name: string,
  pointer: string,
  options: LookupOptions = {},
): Promise<Lookup<K>> {
  try {
    return { ok: true, plugin: await input.resolver.resolve(kind, name, input.file) };
  } catch (error) {
    if (!isPluginError(error)) {
      return {
        ok: false,
        problem: {
          pointer,
          message: `cannot load ${kind} plugin "${name}": ${describeError(error)}`,
        },
      };
    }
    const { suggestions } = error;
    if (error.code !== ErrorCode.PluginNotFound)
      return { ok: false, problem: { pointer, message: error.message, suggestions } };
    const hint = didYouMean(name, options.candidates ?? input.resolver.names(kind));
    const message =
      options.context === undefined
        ? `${error.message}${hint}`
        : `${options.context}${hint}: ${error.message}`;
    return { ok: false, problem: { pointer, message, suggestions } };
  }
}

/** Problems with the `discovery:` of a cluster or service: a valid name of an installed plugin. */
export async function discoveryProblems(
  input: ValidationInput,
  discovery: string,
): Promise<Problem[]> {
  const problem = nameProblem(discovery);
  if (problem !== undefined) return [{ pointer: '/discovery', message: problem }];
  const lookup = await lookupPlugin(input, 'discovery', discovery, '/discovery');
  return lookup.ok ? [] : [lookup.problem];
}
