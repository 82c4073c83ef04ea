import { defineCheck } from '@lighthouse/core';
import { probeRedis, stepsFor } from './probe.js';
import { RedisCheckConfig } from './schema.js';

/**
 * The `redis` check: real RESP over a fresh connection, `AUTH` (when configured) then `PING`,
 * healthy on `+OK`/`+PONG`. lighthouse 1.0's redis check sent a bare "PING" and could never pass.
 */
export default defineCheck({
  name: 'redis',
  description: 'Sends AUTH (if configured) and PING over RESP; healthy when Redis answers +PONG.',
  configSchema: RedisCheckConfig,
  create: (config, context) => {
    const steps = stepsFor(config);
    return { perform: (signal) => probeRedis(context.target, steps, signal) };
  },
});
