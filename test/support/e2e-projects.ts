import { E2E_MODE_VARIABLE } from './e2e-mode.js';

/**
 * The e2e suites `npm test` also runs in the distributed mode (vitest project `e2e-distributed`):
 * each starts its own stack of separate services on PostgreSQL and RabbitMQ, so each costs
 * seconds more than embedded. The set, and why the others are left out, is in README (Testing).
 */
export const DISTRIBUTED_E2E_FILES = [
  'api-errors',
  'api-fuzz',
  'api-hardening',
  'auth',
  'inquiries',
  'keys',
  'limits',
  'live-stream',
  'pack-files',
  'pipeline',
  'policies',
  'rbac',
  'run-actions',
  'secrets',
  'webhooks',
].map((name) => `test/e2e/${name}.test.ts`);

/** Checks the stack itself, and says (skipped, or failing under CI=true) when the servers are missing. */
export const STACK_TEST_FILE = 'test/e2e/stack.test.ts';

/** The servers a distributed e2e run needs. */
export const DISTRIBUTED_E2E_NEEDS = ['TEST_PG_URL', 'TEST_AMQP_URL'] as const;

/**
 * The files of the `e2e-distributed` project: without TEST_PG_URL and TEST_AMQP_URL only the
 * stack's own test, which then shows as skipped with the reason (or fails under CI=true).
 */
export function distributedE2eInclude(env: Readonly<Record<string, string | undefined>> = process.env): string[] {
  const ready = DISTRIBUTED_E2E_NEEDS.every((name) => (env[name] ?? '') !== '');
  return ready ? [STACK_TEST_FILE, ...DISTRIBUTED_E2E_FILES] : [STACK_TEST_FILE];
}

/** The environment of the `e2e-distributed` project's tests. */
export const DISTRIBUTED_E2E_ENV = { [E2E_MODE_VARIABLE]: 'distributed' };
