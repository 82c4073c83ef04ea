import { parseDirective } from './directives.js';
import type { Section } from './directives.js';
import { SERVER_SOURCE_MODIFIERS, SERVER_VALUE_KEYWORDS } from './directive-table.js';
import { userLines } from './render-format.js';
import type { HAProxyClusterConfig } from './schema.js';
import { serverOptionWords } from './server-options.js';

/**
 * What a cluster backend allows at runtime on HAProxy 2.6, decided from its directive lines and
 * server options: whether servers can be added and deleted with `add/del server`, and whether a
 * weight change takes effect without a reload.
 */

/** Runtime capabilities of one backend; a reason string means "needs a reload, because…". */
export interface BackendTraits {
  /** Why `add server` cannot be used, or undefined when it can. */
  addBlocker?: string;
  /** Why `del server` cannot be used, or undefined when it can. */
  deleteBlocker?: string;
  /**
   * Why `set server … weight` is refused for any weight but 0 and the server's initial one (a
   * static algorithm), or undefined when every weight can be set.
   */
  weightBlocker?: string;
  /**
   * The weight a server line of this backend gives a server without `metadata.weight`: the
   * `weight` of server_options, else of a `default-server` line (backend, then defaults), else
   * HAProxy's default 1. It is what a reload from the file would give the server, so it is what
   * the runtime must converge to (a weight the node no longer sets must not stay).
   */
  weight: number;
  /** The servers run health checks (`check`): a runtime-added one needs `enable health`. */
  check: boolean;
  /**
   * The servers run an agent (`agent-check` in server_options or a `default-server` line): enable
   * it on add, disable it before removal. The agent owns weight and admin state (herald's load
   * feedback: `up ready 50%`, `drain`, `maint`), so they are never converged for these servers.
   */
  agent: boolean;
  /** `disabled` in the options: a runtime-added server stays in maintenance, like in the file. */
  disabled: boolean;
}

/** Algorithms that accept dynamic servers whatever the hash type (measured on 2.6.12). */
const DYNAMIC_ALGORITHMS = new Set(['roundrobin', 'leastconn', 'first', 'random']);

/** Keywords `add server` accepts on 2.6 besides the prefixed families below (management guide). */
const DYNAMIC_KEYWORDS = new Set([
  'addr', 'port', 'check', 'inter', 'fastinter', 'downinter', 'rise', 'fall', 'weight', 'backup',
  'maxconn', 'maxqueue', 'minconn', 'slowstart', 'id', 'disabled', 'enabled', 'track', 'observe',
  'on-error', 'on-marked-down', 'on-marked-up', 'error-limit', 'proxy-v2-options', 'sni', 'alpn',
  'ca-file', 'crt', 'source', 'usesrc', 'tfo', 'ws', 'proto', 'tls-tickets', 'allow-0rtt',
]); // prettier-ignore

const DYNAMIC_PREFIXES = [
  'check-',
  'agent-',
  'send-proxy',
  'ssl',
  'verify',
  'ciphers',
  'no-',
  'force-',
  'pool-',
];

/** Server option words as keywords, each with its value when it takes one. */
function optionPairs(words: readonly string[]): { keyword: string; value?: string }[] {
  const pairs: { keyword: string; value?: string }[] = [];
  for (let index = 0; index < words.length; index++) {
    const keyword = words[index] ?? '';
    const takesValue = SERVER_VALUE_KEYWORDS.includes(keyword) || keyword === 'source';
    const value = takesValue ? words[++index] : undefined;
    pairs.push(value === undefined ? { keyword } : { keyword, value });
    while (keyword === 'source' && SERVER_SOURCE_MODIFIERS.includes(words[index + 1] ?? ''))
      index += 2;
  }
  return pairs;
}

/** The keywords among server option words (values skipped). */
export function optionKeywords(words: readonly string[]): string[] {
  return optionPairs(words).map((pair) => pair.keyword);
}

/** The weight the last `weight` of `words` sets, or undefined. */
function lastWeight(words: readonly string[]): number | undefined {
  const value = optionPairs(words).findLast((pair) => pair.keyword === 'weight')?.value;
  return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
}

function dynamicKeyword(keyword: string): boolean {
  if (keyword === 'check-via-socks4') return false;
  return DYNAMIC_KEYWORDS.has(keyword) || DYNAMIC_PREFIXES.some((p) => keyword.startsWith(p));
}

function lastArgs(section: Section, lines: readonly string[], keyword: string) {
  return lines.map((line) => parseDirective(section, line)).findLast((d) => d?.keyword === keyword)
    ?.args;
}

/** Why the backend's balance algorithm refuses dynamic servers, or undefined when it accepts them. */
export function algorithmBlocker(
  defaults: readonly string[],
  backend: readonly string[],
): string | undefined {
  const balance =
    lastArgs('backend', backend, 'balance') ?? lastArgs('defaults', defaults, 'balance');
  const algorithm = (balance?.[0] ?? 'roundrobin').replace(/\(.*$/, '');
  if (DYNAMIC_ALGORITHMS.has(algorithm)) return undefined;
  if (algorithm === 'static-rr') return 'balance static-rr is a static algorithm';
  const hashType =
    lastArgs('backend', backend, 'hash-type') ?? lastArgs('defaults', defaults, 'hash-type');
  if (hashType?.[0] === 'consistent') return undefined;
  return `balance ${algorithm} uses map-based hashing (set "hash-type consistent" to avoid reloads)`;
}

/** The runtime traits of a cluster's backend. */
export function backendTraits(
  defaultsLines: readonly string[] | undefined,
  section: HAProxyClusterConfig,
  options: { dynamicServers: boolean; cookies: boolean },
): BackendTraits {
  const defaults = userLines(defaultsLines);
  const backend = userLines(section.backend);
  const words = serverOptionWords(section.server_options);
  const keywords = optionKeywords(words);
  const version = options.dynamicServers ? undefined : 'this HAProxy has no dynamic servers';
  const algorithm = algorithmBlocker(defaults, backend);
  // default-server lines apply in order (defaults first), each keyword overriding the one before.
  const defaultServers = [
    ...defaults.map((l) => parseDirective('defaults', l)),
    ...backend.map((l) => parseDirective('backend', l)),
  ].flatMap((directive) => (directive?.keyword === 'default-server' ? [directive.args] : []));
  const defaultServer = defaultServers.length > 0;
  const inherited = [...defaultServers.flat(), ...words];
  const agentSwitch = optionKeywords(inherited).findLast(
    (keyword) => keyword === 'agent-check' || keyword === 'no-agent-check',
  );
  const refused = keywords.find((keyword) => !dynamicKeyword(keyword));
  const addBlocker =
    version ??
    algorithm ??
    (defaultServer ? 'runtime-added servers do not inherit default-server' : undefined) ??
    (options.cookies ? '"add server" refuses cookies' : undefined) ??
    (refused === undefined ? undefined : `"add server" refuses the server keyword "${refused}"`);
  return {
    ...(addBlocker === undefined ? {} : { addBlocker }),
    ...((version ?? algorithm) === undefined ? {} : { deleteBlocker: version ?? algorithm }),
    ...(algorithm === undefined ? {} : { weightBlocker: algorithm }),
    weight: lastWeight(inherited) ?? 1,
    check: keywords.includes('check'),
    agent: agentSwitch === 'agent-check',
    disabled: keywords.includes('disabled'),
  };
}
