import type { PluginKind, PluginOf } from '../define.js';

/**
 * Finds plugins by kind and name. The config layer asks it for every plugin a file names; the
 * package-discovering registry and the in-memory resolver (tests, embedders) both implement it.
 */
export interface PluginResolver {
  /**
   * Loads the plugin. Rejects with a `PluginError`: `LH_PLUGIN_NOT_FOUND`, `LH_PLUGIN_LOAD_FAILED`,
   * `LH_PLUGIN_INVALID` or `LH_PLUGIN_CONFLICT`. `referencedFrom` (a config file) goes into the message.
   */
  resolve<K extends PluginKind>(
    kind: K,
    name: string,
    referencedFrom?: string,
  ): Promise<PluginOf<K>>;
  /** The names known for a kind, sorted (for "found: …" lists and did-you-mean). */
  names(kind: PluginKind): string[];
}
