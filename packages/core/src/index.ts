/**
 * @lighthouse/core: plugin contracts and `define*` factories, plugin discovery, the config
 * directory, the model and its wire codec, health state, and the Writer and Reporter engines.
 */
export * from './errors.js';
export * from './backoff.js';
export * from './is-record.js';
export * from './probe-connection.js';
export * from './render-error.js';
export * from './log.js';
export * from './define.js';
export type * from './contracts/context.js';
export type * from './contracts/check.js';
export type * from './contracts/discovery.js';
export type * from './contracts/balancer.js';
export type * from './contracts/resolver.js';
export * from './model/node.js';
export * from './model/names.js';
export * from './model/codec.js';
export * from './model/python-json.js';
export * from './config/index.js';
export * from './plugins/index.js';
export * from './engine/index.js';
