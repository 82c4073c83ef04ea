/** @lighthouse/check-http: the bundled `http` health check, for embedders that register it directly. */
export { default as httpCheck } from './http.js';
export { HttpCheckConfig, HttpMethods } from './schema.js';
export type { HttpMethod } from './schema.js';
