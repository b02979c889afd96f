import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachAdapter } from '../support/test-adapters.js';
import { AttuneProcess, type DistributedAdapters, type ExecutionBody, distributedAdapters, isTerminal, makeHome, runCli, until, writePack } from './harness.js';

type Page<T> = { data: T[]; pagination: { total: number } };

/** `attune up` as one process on PostgreSQL and RabbitMQ: a fresh database and vhost, removed afterwards. */
function distributedSuite(_name: string, open: () => Promise<DistributedAdapters>): void {
  describe('attune up on PostgreSQL and RabbitMQ', () => {
    const home = makeHome();
    writePack(path.join(home, 'packs', 'probe'), { 'pack.yaml': 'ref: probe\nversion: 1.0.0\n', 'triggers/hit.yaml': 'name: hit\n' });
    let adapters: DistributedAdapters | undefined;
    let attune: AttuneProcess | undefined;
    const running = (): AttuneProcess => {
      if (!attune) throw new Error('attune up did not start');
      return attune;
    };
    beforeAll(async () => {
      adapters = await open();
      // The empty database is prepared first, as an operator would before starting services.
      const migrated = await runCli(['--home', home, 'db', 'migrate'], adapters.env);
      expect(migrated.code, migrated.stderr).toBe(0);
      expect(migrated.stdout).toMatch(/^database postgres:\/\/.* is up to date\n$/);
      attune = await new AttuneProcess(home, adapters.env).start();
    });
    afterAll(async () => {
      await attune?.cleanup();
      await adapters?.cleanup();
    });

    it('logs the adapters it uses', () => {
      const chosen = readFileSync(path.join(home, 'logs', 'attune.log'), 'utf8')
        .split('\n')
        .filter((line) => line.includes('"adapters chosen"'))
        .map((line) => JSON.parse(line) as { database: string; bus: string });
      expect(chosen).toHaveLength(1);
      expect(chosen[0]?.database).toMatch(/^postgres:\/\/.*attune_test_/);
      expect(chosen[0]?.bus).toMatch(/^amqp:\/\/.*attune_test_/);
      expect(JSON.stringify(chosen)).not.toContain(':guest@');
    });

    it('runs core.echo requested through the API', async () => {
      const requested = await running().api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: 'core.echo', parameters: { message: 'over the broker' } });
      expect(requested.status).toBe(201);
      const done = await running().waitForExecution(requested.body.data.id, isTerminal);
      expect([done.status, done.result?.stdout]).toEqual(['completed', 'over the broker\n']);
    });

    it('fires a rule from an event, once', async () => {
      const attune = running();
      const rule = await attune.api('POST', '/api/v1/rules', {
        ref: 'probe.echo',
        trigger_ref: 'probe.hit',
        action_ref: 'core.echo',
        action_params: { message: 'hit {{ event.payload.n }}' },
      });
      expect(rule.status).toBe(201);
      const event = await attune.api<{ data: { id: number } }>('POST', '/api/v1/events', { trigger_ref: 'probe.hit', payload: { n: 7 } });
      expect(event.status).toBe(201);
      const page = await until(
        () => attune.api<Page<ExecutionBody & { event_id: number }>>('GET', '/api/v1/executions?rule_ref=probe.echo').then((r) => r.body),
        (p) => p.data.some(isTerminal),
      );
      expect(page.pagination.total).toBe(1);
      const shown = await attune.waitForExecution(page.data[0]?.id ?? 0, isTerminal);
      expect([shown.status, shown.result?.stdout, page.data[0]?.event_id]).toEqual(['completed', 'hit 7\n', event.body.data.id]);
    });
  });
}

describeEachAdapter(
  'distributed',
  [{ name: 'postgres+amqp', needs: ['TEST_PG_URL', 'TEST_AMQP_URL'], open: (env) => distributedAdapters(env.TEST_PG_URL as string, env.TEST_AMQP_URL as string) }],
  distributedSuite,
);
