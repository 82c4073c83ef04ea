/** @lighthouse/check-redis: the bundled `redis` health check, for embedders that register it directly. */
export { default as redisCheck } from './redis.js';
export { RedisCheckConfig } from './schema.js';
