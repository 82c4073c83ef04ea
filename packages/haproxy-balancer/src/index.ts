/**
 * @lighthouse/haproxy-balancer: the `haproxy` balancer. Config schemas, the HAProxy 2.x directive
 * table and line validation, the renderer, the planner, the runtime-API and master-CLI clients,
 * process control, and the balancer that ties them together.
 */
export { HAProxyClusterConfig, HAProxyConfig } from './schema.js';
export { validateClusterSection, validateHAProxyConfig } from './validate.js';
export type { HAProxyIssue } from './validate.js';
export {
  DIRECTIVES,
  OWNED_DIRECTIVES,
  SECTIONS,
  parseDirective,
  validateLine,
} from './directives.js';
export type { Directive, Section } from './directives.js';
export { HAPROXY_TABLE_VERSION } from './directive-table.js';
export { serverOptionsProblem } from './server-options.js';
export { DEFAULT_BIND_ADDRESS } from './addresses.js';
export { renderConfig, renderedHash } from './render.js';
export type { RenderOptions, RenderResult } from './render.js';
export { serverLine } from './render-servers.js';
export type { BackendServer } from './render-servers.js';
export { createBalancer, balancerPaths } from './balancer.js';
export type { BalancerPaths } from './balancer.js';
export { planSync, splitAddress } from './plan.js';
export type { DesiredState, Plan } from './plan.js';
export { backendTraits, algorithmBlocker } from './backend-traits.js';
export type { BackendTraits } from './backend-traits.js';
export { cachePath } from './outage-cache.js';
export { RuntimeApi } from './runtime/runtime-api.js';
export type { CommandOutcome } from './runtime/runtime-api.js';
export { MasterCli, parseShowProc } from './runtime/master-cli.js';
export type { ProcState } from './runtime/master-cli.js';
export { commandLine } from './runtime/commands.js';
export type { RuntimeCommand, ServerAdminState } from './runtime/commands.js';
export {
  RuntimeCommandError,
  RuntimeConnectionError,
  RuntimeProtocolError,
} from './runtime/errors.js';
export type { RefusalKind } from './runtime/errors.js';
export { AdminFlags, parseServersState } from './runtime/show-parsers.js';
export type { ServerState } from './runtime/show-parsers.js';
export { HAProxyProcess, ReloadFailedError } from './process/haproxy-process.js';
export { detectVersion, parseVersion, HAPROXY_MISSING } from './process/version.js';
export type { HAProxyVersion } from './process/version.js';
