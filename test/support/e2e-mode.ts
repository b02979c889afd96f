/**
 * The e2e suites run in two modes (issue 8). `embedded` (default): an AttuneProcess started with
 * `up` is one `attune up` on SQLite and the in-process bus. `distributed`
 * (`ATTUNE_E2E_MODE=distributed`): the same AttuneProcess is a stack — a fresh PostgreSQL
 * database and RabbitMQ vhost (TEST_PG_URL, TEST_AMQP_URL), `attune db migrate`, then
 * `attune api`, `executor`, `worker` and `sensor`, each its own process (see attune-stack.ts).
 * Read by test code only: the product never knows how it is tested.
 */
export const E2E_MODE_VARIABLE = 'ATTUNE_E2E_MODE';
export const E2E_MODES = ['embedded', 'distributed'] as const;
export type E2eMode = (typeof E2E_MODES)[number];

export function e2eMode(env: Readonly<Record<string, string | undefined>> = process.env): E2eMode {
  const value = env[E2E_MODE_VARIABLE] ?? '';
  if (value === '') return 'embedded';
  if ((E2E_MODES as readonly string[]).includes(value)) return value as E2eMode;
  throw new Error(`${E2E_MODE_VARIABLE}=${value}: expected one of ${E2E_MODES.join(', ')}`);
}

export const isDistributedE2e = (): boolean => e2eMode() === 'distributed';
