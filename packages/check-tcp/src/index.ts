/** @lighthouse/check-tcp: the bundled `tcp` health check, for embedders that register it directly. */
export { default as tcpCheck } from './tcp.js';
export { TcpCheckConfig } from './schema.js';
