import { configDefaults, defineConfig } from 'vitest/config';
import { DISTRIBUTED_E2E_ENV, STACK_TEST_FILE, distributedE2eInclude } from './test/support/e2e-projects.js';

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'attune',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, STACK_TEST_FILE],
          // Builds the spawner helper from the current source for the tests that fork it.
          globalSetup: ['test/support/build-spawner.ts'],
        },
      },
      {
        // The e2e suites again, each `attune up` a stack of separate services on PostgreSQL and
        // RabbitMQ (test/support/e2e-mode.ts); starting one takes several processes, hence the timeouts.
        extends: true,
        test: {
          name: 'e2e-distributed',
          include: distributedE2eInclude(),
          env: DISTRIBUTED_E2E_ENV,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
