import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: [
      'packages/*/test/**/*.test.ts',
      'examples/*/test/**/*.test.ts',
      'test-integration/**/*.test.ts',
      'scripts/test/**/*.test.ts',
    ],
    // Real servers (Redis, HAProxy, ZooKeeper) start in hooks; a shared 2-core machine is slow.
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Daemon code must not print during tests; what it logs goes through injected loggers.
    silent: 'passed-only',
  },
});
