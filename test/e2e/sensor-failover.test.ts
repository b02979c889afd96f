import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeEachAdapter } from '../support/test-adapters.js';
import { AttuneProcess, type DistributedAdapters, distributedAdapters, makeHome, runCli, until } from './harness.js';

type Page<T> = { data: T[] };
type TimerEvent = { payload: { scheduled_at: string } };

/**
 * kill -9 of the leading sensor service (issue 8 item 5): `attune api`, `attune executor`,
 * `attune worker` and two `attune sensor` processes on one PostgreSQL database and RabbitMQ vhost.
 * The sensor service that leads is killed; the standby takes over within 10 s, its 1 s interval
 * timer on the same grid, no instant fired twice.
 */
function failoverSuite(_name: string, open: () => Promise<DistributedAdapters>): void {
  describe('sensor leader failover', () => {
    const processes: AttuneProcess[] = [];
    let adapters: DistributedAdapters | undefined;
    afterAll(async () => {
      for (const p of processes) await p.cleanup();
      await adapters?.cleanup();
    });

    it('hands the timers to the standby after kill -9 of the leader, with no instant fired twice', async () => {
      adapters = await open();
      const env = { ...adapters.env, ATTUNE__SENSORS__LEASE_MS: '1500' };
      const api = new AttuneProcess(makeHome(), env, ['api']);
      processes.push(api);
      expect((await runCli(['--home', api.home, 'db', 'migrate'], env)).code).toBe(0);
      await api.start();
      const others = { ...env, ATTUNE__SERVER__API_URL: api.url };
      const started = ['executor', 'worker', 'sensor', 'sensor'].map((command) => new AttuneProcess(makeHome(), others, [command]));
      processes.push(...started);
      await Promise.all(started.map((p) => p.start()));
      const sensors = started.filter((_, i) => i >= 2);

      const rule = { ref: 'examples.failover_tick', trigger_ref: 'core.intervaltimer', trigger_params: { unit: 'seconds', interval: 1 }, action_ref: 'core.noop' };
      expect((await api.api('POST', '/api/v1/rules', rule)).status).toBe(201);
      const instants = async () =>
        (await api.api<Page<TimerEvent>>('GET', '/api/v1/events?rule_ref=examples.failover_tick&limit=200')).body.data.map((e) => e.payload.scheduled_at);
      await until(instants, (list) => list.length >= 3);
      const leads = (p: AttuneProcess) => readFileSync(path.join(p.home, 'logs', 'attune.log'), 'utf8').includes('this sensor service leads');
      const leaders = sensors.filter(leads);
      expect(leaders).toHaveLength(1);
      const standby = sensors.find((p) => !leads(p));
      await leaders[0]?.stop('SIGKILL');
      const killedAt = new Date().toISOString();
      const after = await until(instants, (list) => list.filter((at) => at > killedAt).length >= 3);

      expect(new Set(after).size).toBe(after.length); // no instant twice
      const offsets = new Set(after.map((at) => Date.parse(at) % 1000));
      expect(offsets.size).toBe(1); // one grid, before and after the takeover
      expect(standby && leads(standby)).toBe(true);
      const takeover = Date.parse(after.filter((at) => at > killedAt).sort()[0] ?? '') - Date.parse(killedAt);
      expect(takeover).toBeLessThan(10_000); // the bound; the lease here is 1.5 s
      process.stderr.write(`sensor failover: first fire of the new leader ${takeover} ms after kill -9 (lease 1500 ms)\n`);
    });
  });
}

describeEachAdapter(
  'distributed',
  [{ name: 'postgres+rabbitmq', needs: ['TEST_PG_URL', 'TEST_AMQP_URL'], open: (env) => distributedAdapters(env.TEST_PG_URL as string, env.TEST_AMQP_URL as string) }],
  failoverSuite,
);
