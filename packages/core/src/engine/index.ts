export * from './reporter.js';
export * from './writer.js';
export * from './port-monitor.js';
export type { Advertised } from './advertise.js';
export { defaultAdvertisedHost, defaultAdvertisedIp } from './advertise.js';
export { RiseFall } from '../health/rise-fall.js';
export { pluginContext } from './plugin-context.js';
