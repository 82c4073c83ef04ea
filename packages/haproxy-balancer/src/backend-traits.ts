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
  /** Why `set server … weight` has no effect, or undefined when it does. */
  weightBlocker?: string;
  /** The servers run health checks (`check`): a runtime-added one needs `enable health`. */
  check: boolean;
  /** The servers run an agent (`agent-check`): enable it on add, disable it before removal. */
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

/** The keywords among server option words (values skipped). */
export function optionKeywords(words: readonly string[]): string[] {
  const keywords: string[] = [];
  for (let index = 0; index < words.length; index++) {
    const word = words[index] ?? '';
    keywords.push(word);
    if (SERVER_VALUE_KEYWORDS.includes(word) || word === 'source') index++;
    while (word === 'source' && SERVER_SOURCE_MODIFIERS.includes(words[index + 1] ?? ''))
      index += 2;
  }
  return keywords;
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
  const keywords = optionKeywords(serverOptionWords(section.server_options));
  const version = options.dynamicServers ? undefined : 'this HAProxy has no dynamic servers';
  const algorithm = algorithmBlocker(defaults, backend);
  const defaultServer = [
    ...defaults.map((l) => ['defaults', l] as const),
    ...backend.map((l) => ['backend', l] as const),
  ].some(([where, line]) => parseDirective(where, line)?.keyword === 'default-server');
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
    check: keywords.includes('check'),
    agent: keywords.includes('agent-check'),
    disabled: keywords.includes('disabled'),
  };
}
