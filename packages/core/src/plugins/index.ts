export * from './static.js';
export * from './registry.js';
export type { DiscoverOptions } from './discover.js';
export type { PluginEntry, PluginPackage } from './types.js';
export { PluginManifest } from './manifest.js';
export type { PluginTarget } from './manifest.js';
export { pluginShapeProblems } from './shape.js';
