import type { PluginResolver } from '../contracts/resolver.js';
import type { AnyPlugin, PluginKind, PluginOf } from '../define.js';
import { isPluginError } from '../errors.js';
import { compareText } from '../model/node.js';
import type { LighthouseError, PluginError } from '../errors.js';
import { discoverPlugins } from './discover.js';
import type { DiscoverOptions, PluginScan } from './discover.js';
import { loadEntry } from './load.js';
import type { LoadOutcome } from './load.js';
import { conflictError, failureError, noPluginsError, notFoundError } from './messages.js';
import type { Conflict } from './messages.js';
import type { PluginEntry } from './types.js';

/** What `loadAll()` says about one entry: the plugin, or why it cannot be used. */
export type PluginStatus =
  | { readonly entry: PluginEntry; readonly ok: true; readonly plugin: AnyPlugin }
  | { readonly entry: PluginEntry; readonly ok: false; readonly error: PluginError };

const keyOf = (kind: PluginKind, name: string): string => `${kind}/${name}`;

function byKindThenName(a: PluginEntry, b: PluginEntry): number {
  return (
    compareText(a.kind, b.kind) ||
    compareText(a.name, b.name) ||
    compareText(a.packageName, b.packageName)
  );
}

function isConflict(entries: readonly PluginEntry[]): entries is Conflict {
  return entries.length > 1;
}

/**
 * The plugins installed for a project, found in two phases: {@link PluginRegistry.discover} reads
 * package.json files only; `resolve` imports a plugin the first time a config file names it, and
 * shares that one import with every later caller. A broken plugin only fails the config files
 * that name it.
 */
export class PluginRegistry implements PluginResolver {
  readonly #scan: PluginScan;
  readonly #entries: readonly PluginEntry[];
  readonly #byKey = new Map<string, PluginEntry[]>();
  readonly #loads = new Map<PluginEntry, Promise<LoadOutcome>>();

  private constructor(scan: PluginScan) {
    this.#scan = scan;
    this.#entries = [...scan.entries].sort(byKindThenName);
    for (const entry of this.#entries) {
      const key = keyOf(entry.kind, entry.name);
      this.#byKey.set(key, [...(this.#byKey.get(key) ?? []), entry]);
    }
  }

  /**
   * Phase 1: finds the plugin packages among the dependencies of the project root and of each
   * `selfPackageDirs` entry, importing nothing. Never rejects for a broken package: see
   * {@link PluginRegistry.problems}, which are also warned about on `options.log`.
   */
  static async discover(options: DiscoverOptions = {}): Promise<PluginRegistry> {
    const registry = new PluginRegistry(await discoverPlugins(options));
    for (const problem of registry.problems()) {
      options.log?.warn(problem.message, { code: problem.code });
    }
    return registry;
  }

  /** Every plugin the manifests declare, sorted by kind, then name (then package). */
  list(): readonly PluginEntry[] {
    return this.#entries;
  }

  /** The names found for a kind, sorted. */
  names(kind: PluginKind): string[] {
    return [
      ...new Set(this.#entries.filter((entry) => entry.kind === kind).map((entry) => entry.name)),
    ];
  }

  /** What discovery found wrong: unreadable package.json files, unusable manifests, conflicts. */
  problems(): readonly LighthouseError[] {
    const conflicts = [...this.#byKey.values()].flatMap((entries) =>
      isConflict(entries) ? [conflictError(entries)] : [],
    );
    return [...this.#scan.problems, ...conflicts];
  }

  /**
   * When discovery found no plugin package at all (not even a broken one): the error that says
   * where it looked and what to install. A bare @lighthouse/cli is in this state.
   */
  nothingInstalled(): LighthouseError | undefined {
    if (this.#entries.length > 0 || this.#scan.broken.length > 0) return undefined;
    return noPluginsError(this.#scan);
  }

  /**
   * Phase 2: imports and validates the plugin on first use. Rejects with a `PluginError`:
   * `LH_PLUGIN_NOT_FOUND`, `LH_PLUGIN_CONFLICT`, `LH_PLUGIN_INVALID` or `LH_PLUGIN_LOAD_FAILED`.
   */
  async resolve<K extends PluginKind>(
    kind: K,
    name: string,
    referencedFrom?: string,
  ): Promise<PluginOf<K>> {
    const entries = this.#byKey.get(keyOf(kind, name)) ?? [];
    if (isConflict(entries)) throw conflictError(entries, referencedFrom);
    const [entry] = entries;
    if (entry === undefined) throw this.#unavailable(kind, name, referencedFrom);
    const outcome = await this.#load(entry);
    if (!outcome.ok) throw failureError(kind, name, entry, outcome.failure, referencedFrom);
    // loadEntry checked that the plugin's `kind` is the manifest section it came from.
    return outcome.plugin as PluginOf<K>;
  }

  /** Tries every entry (for `lighthouse plugins`); conflicting entries report the conflict. */
  async loadAll(): Promise<PluginStatus[]> {
    return Promise.all(
      this.#entries.map(async (entry): Promise<PluginStatus> => {
        try {
          return { entry, ok: true, plugin: await this.resolve(entry.kind, entry.name) };
        } catch (error) {
          if (!isPluginError(error)) throw error;
          return { entry, ok: false, error };
        }
      }),
    );
  }

  #load(entry: PluginEntry): Promise<LoadOutcome> {
    let load = this.#loads.get(entry);
    if (load === undefined) {
      load = loadEntry(entry);
      this.#loads.set(entry, load);
    }
    return load;
  }

  /** No usable entry: a broken manifest claiming the name says more than "not found". */
  #unavailable(kind: PluginKind, name: string, referencedFrom: string | undefined): PluginError {
    const claim = this.#scan.broken.find((broken) => broken.kind === kind && broken.name === name);
    if (claim !== undefined) return failureError(kind, name, claim, claim.failure, referencedFrom);
    return notFoundError({ ...this.#scan, found: this.names(kind) }, kind, name, referencedFrom);
  }
}
