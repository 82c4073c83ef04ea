/**
 * @lighthouse/haproxy-balancer: the `haproxy` balancer. This entry point holds its pure part:
 * config schemas, the HAProxy 2.x directive table and line validation, and the renderer.
 */
export { HAProxyClusterConfig, HAProxyConfig } from './schema.js';
export { validateClusterSection, validateHAProxyConfig } from './validate.js';
export type { HAProxyIssue } from './validate.js';
export { DIRECTIVES, OWNED_DIRECTIVES, SECTIONS, parseDirective, validateLine } from './directives.js';
export type { Directive, Section } from './directives.js';
export { HAPROXY_TABLE_VERSION } from './directive-table.js';
export { serverOptionsProblem } from './server-options.js';
export { DEFAULT_BIND_ADDRESS } from './addresses.js';
export { renderConfig, renderedHash } from './render.js';
export type { RenderOptions, RenderResult } from './render.js';
export { serverLine } from './render-servers.js';
export type { BackendServer } from './render-servers.js';
