import { defineCheck } from '@lighthouse/core';
import { probeHttp } from './probe.js';
import { HttpCheckConfig } from './schema.js';

/**
 * The `http` check: one request on a fresh connection per run; healthy only on a 2xx status
 * (redirects are not followed, as in lighthouse 1.0). Unlike 1.0 it stops when the engine's
 * timeout aborts it, so a hung service cannot stall other checks.
 */
export default defineCheck({
  name: 'http',
  description: 'Sends an HTTP(S) request to a URI; healthy when the status is 2xx.',
  configSchema: HttpCheckConfig,
  create: (config, context) => ({
    perform: (signal) => probeHttp(config, context.target, signal),
  }),
});
