import { hostProblem, nameProblem } from '@lighthouse/core';
import type { ConfigIssue } from '@lighthouse/core';
import { bindAddressProblem, haproxyNameProblem } from './addresses.js';
import { parseDirective, validateLine } from './directives.js';
import type { Section } from './directives.js';
import { lineWords, normalizeLine } from './lines.js';
import type { HAProxyClusterConfig, HAProxyConfig } from './schema.js';
import { serverOptionsProblem } from './server-options.js';

/**
 * The checks a schema cannot express: directive lines, names, addresses, server options. The
 * config layer runs them after schema validation and adds the file name to each issue.
 */

/** A problem in one config document: where (JSON pointer) and what. */
export type HAProxyIssue = Pick<ConfigIssue, 'pointer' | 'message'>;

/** A JSON pointer (RFC 6901) from path segments. */
function pointer(...segments: readonly (string | number)[]): string {
  return segments
    .map((segment) => `/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`)
    .join('');
}

class Issues {
  readonly list: HAProxyIssue[] = [];

  add(message: string | undefined, ...path: readonly (string | number)[]): void {
    if (message !== undefined) this.list.push({ pointer: pointer(...path), message });
  }

  lines(section: Section, lines: readonly string[] | undefined, ...path: readonly string[]): void {
    lines?.forEach((line, index) => this.add(validateLine(section, line), ...path, index));
  }
}

/** Why `acl` cannot follow `acl is_<cluster>` on one line, or undefined. */
function aclProblem(acl: string): string | undefined {
  const split = lineWords(normalizeLine(acl));
  return split.ok ? undefined : `acl ${split.reason}`;
}

/** Checks balancers/haproxy.yaml beyond its schema. */
export function validateHAProxyConfig(config: HAProxyConfig): HAProxyIssue[] {
  const issues = new Issues();
  issues.lines('global', config.global, 'global');
  issues.lines('defaults', config.defaults, 'defaults');
  if (config.bind_address !== undefined) {
    issues.add(bindAddressProblem(config.bind_address), 'bind_address');
  }
  const metaClusters = config.meta_clusters ?? {};
  for (const [name, meta] of Object.entries(metaClusters)) {
    issues.add(nameProblem(name), 'meta_clusters', name);
    if (name === 'stats' && config.stats !== undefined) {
      issues.add('"stats" is the name of the stats listener', 'meta_clusters', name);
    }
    issues.lines('frontend', meta.frontend, 'meta_clusters', name, 'frontend');
  }
  for (const [name, proxy] of Object.entries(config.proxies ?? {})) {
    issues.add(nameProblem(name), 'proxies', name);
    if (Object.hasOwn(metaClusters, name)) {
      issues.add(`a meta cluster is also named "${name}"`, 'proxies', name);
    }
    if (name === 'stats' && config.stats !== undefined) {
      issues.add('"stats" is the name of the stats listener', 'proxies', name);
    }
    issues.lines('listen', proxy.options, 'proxies', name, 'options');
    if (proxy.bind_address !== undefined) {
      issues.add(bindAddressProblem(proxy.bind_address), 'proxies', name, 'bind_address');
    }
    const seen = new Map<string, number>();
    proxy.upstreams.forEach((upstream, index) => {
      const key = `${upstream.host}:${upstream.port}`;
      const first = seen.get(key);
      const duplicate = first === undefined ? undefined : `duplicates upstream ${first} (${key})`;
      const host = hostProblem(upstream.host) ?? haproxyNameProblem(upstream.host);
      issues.add(host, 'proxies', name, 'upstreams', index, 'host');
      issues.add(duplicate, 'proxies', name, 'upstreams', index);
      seen.set(key, first ?? index);
    });
  }
  return issues.list;
}

/** Checks the `haproxy:` section of a cluster file beyond its schema. */
export function validateClusterSection(section: HAProxyClusterConfig): HAProxyIssue[] {
  const issues = new Issues();
  if (section.acl !== undefined) issues.add(aclProblem(section.acl), 'acl');
  section.frontend?.forEach((line, index) => {
    const routed = parseDirective('frontend', line)?.keyword === 'default_backend';
    const owned = routed
      ? '"default_backend" is written by lighthouse: a cluster frontend routes to its own backend (use a meta cluster to route by ACL)'
      : undefined;
    issues.add(validateLine('frontend', line) ?? owned, 'frontend', index);
  });
  issues.lines('backend', section.backend, 'backend');
  if (section.server_options !== undefined) {
    issues.add(serverOptionsProblem(section.server_options), 'server_options');
  }
  return issues.list;
}
