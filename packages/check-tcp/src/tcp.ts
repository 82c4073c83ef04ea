import { ConfigError, defineCheck } from '@lighthouse/core';
import { expectedLine, probeTcp } from './probe.js';
import type { LineExchange } from './probe.js';
import { TcpCheckConfig } from './schema.js';

/** The exchange a config asks for, or undefined for a connect-only check. */
function exchangeOf(config: TcpCheckConfig, service: string): LineExchange | undefined {
  const { query, response } = config;
  if (query !== undefined && response !== undefined) {
    return { query, response: expectedLine(response) };
  }
  if (query === undefined && response === undefined) return undefined;
  // The schema already requires both or neither; this guards embedders that skip validation.
  throw new ConfigError([
    {
      file: `services/${service}`,
      pointer: '/checks/tcp',
      message: 'query and response must be given together',
    },
  ]);
}

/**
 * The `tcp` check: a successful connect, or, with `query`/`response`, a matching first reply
 * line. Fixes lighthouse 1.0's str-over-socket failure (B4), its missing timeout and its 100% CPU
 * spin on a reply without a newline (B18).
 */
export default defineCheck({
  name: 'tcp',
  description: 'Connects over TCP; optionally sends a query and matches the first reply line.',
  configSchema: TcpCheckConfig,
  create: (config, context) => {
    const exchange = exchangeOf(config, context.service);
    return { perform: (signal) => probeTcp(context.target, exchange, signal) };
  },
});
