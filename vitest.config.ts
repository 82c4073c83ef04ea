import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Tests that load the whole machine (an npm install compiling the ZooKeeper addon, a fleet of
 * writers on a 3-node ensemble) run after the rest, one at a time: alongside them, the other
 * real-server tests' deadlines measure the load instead of lighthouse.
 */
const heavy = ['test-integration/install.test.ts', 'test-integration/fleet.test.ts'];

export default defineConfig({
  test: {
    // Real servers (Redis, HAProxy, ZooKeeper) start in hooks; a shared 2-core machine is slow.
    testTimeout: 20_000,
    hookTimeout: 60_000,
    // Daemon code must not print during tests; what it logs goes through injected loggers.
    silent: 'passed-only',
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: [
            'packages/*/test/**/*.test.ts',
            'examples/*/test/**/*.test.ts',
            'test-integration/**/*.test.ts',
            'scripts/test/**/*.test.ts',
          ],
          exclude: [...configDefaults.exclude, ...heavy],
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: {
          name: 'heavy',
          include: heavy,
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
