import type { PluginKind } from '../define.js';

/**
 * The package that provides each first-party plugin, so "not provided by any installed package"
 * can name the exact package to install instead of guessing from the naming convention. The CLI
 * depends on core only, so a missing first-party plugin is an ordinary, expected state.
 */
export const FIRST_PARTY_PLUGINS: Readonly<Record<PluginKind, Readonly<Record<string, string>>>> = {
  checks: {
    http: '@lighthouse/check-http',
    redis: '@lighthouse/check-redis',
    tcp: '@lighthouse/check-tcp',
  },
  discovery: { zookeeper: '@lighthouse/zookeeper-discovery' },
  balancers: { haproxy: '@lighthouse/haproxy-balancer' },
  agents: { haproxy: '@lighthouse/haproxy-agent' },
};

/** The distribution that depends on the CLI and every first-party plugin. */
export const ALL_PLUGINS_PACKAGE = '@lighthouse/all';

/** The first-party package that provides `kind`/`name`, if it is a first-party plugin. */
export function firstPartyPackage(kind: PluginKind, name: string): string | undefined {
  return Object.hasOwn(FIRST_PARTY_PLUGINS[kind], name)
    ? FIRST_PARTY_PLUGINS[kind][name]
    : undefined;
}
