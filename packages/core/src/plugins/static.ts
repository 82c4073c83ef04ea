import type { PluginResolver } from '../contracts/resolver.js';
import type { AnyPlugin, PluginKind, PluginOf } from '../define.js';
import { ErrorCode, PluginError } from '../errors.js';

/**
 * A resolver over plugin objects already in memory: for embedders that bundle their plugins and
 * for tests. Same errors as the package registry, minus the packages.
 */
export function createStaticResolver(plugins: readonly AnyPlugin[]): PluginResolver {
  const byKey = new Map<string, AnyPlugin>();
  for (const plugin of plugins) byKey.set(`${plugin.kind}/${plugin.name}`, plugin);
  const names = (kind: PluginKind): string[] =>
    plugins
      .filter((plugin) => plugin.kind === kind)
      .map((plugin) => plugin.name)
      .sort();
  return {
    names,
    async resolve<K extends PluginKind>(
      kind: K,
      name: string,
      referencedFrom?: string,
    ): Promise<PluginOf<K>> {
      const plugin = byKey.get(`${kind}/${name}`);
      if (plugin !== undefined) return plugin as PluginOf<K>;
      const found = names(kind);
      throw new PluginError(
        ErrorCode.PluginNotFound,
        `${kind} plugin "${name}" is not available (found: ${found.length > 0 ? found.join(', ') : 'none'})` +
          (referencedFrom === undefined ? '' : `; referenced from ${referencedFrom}`),
        { kind, plugin: name, ...(referencedFrom === undefined ? {} : { referencedFrom }) },
      );
    },
  };
}
