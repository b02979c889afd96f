import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeConnections } from '../support/rabbitmq.js';
import { describeEachAdapter } from '../support/test-adapters.js';
import { AttuneProcess, type DistributedAdapters, distributedAdapters, runCli, sleep, until, writePack } from './harness.js';

const RULE = 'probe.flow';
const TRIGGER = 'probe.hit';

/** What the database holds for each event of the trigger: its enforcements and executions. */
interface EventRecord {
  readonly id: number;
  readonly enforcements: number;
  readonly executions: number;
  readonly completed: number;
}

/** api, executor and worker, each its own process, on one fresh database and vhost. */
class Cluster {
  readonly processes = new Map<'api' | 'executor' | 'worker', AttuneProcess>();
  readonly #adapters: DistributedAdapters;

  constructor(adapters: DistributedAdapters) {
    this.#adapters = adapters;
  }

  get api(): AttuneProcess {
    return this.#process('api');
  }

  get vhost(): string {
    return decodeURIComponent(new URL(this.#adapters.env.ATTUNE__BUS__URL ?? '').pathname.slice(1));
  }

  #process(name: 'api' | 'executor' | 'worker'): AttuneProcess {
    const process = this.processes.get(name);
    if (!process) throw new Error(`no ${name} process`);
    return process;
  }

  /** A fixed API port, so that a restarted API is where the other services were told it is. */
  async start(): Promise<void> {
    const env = { ...this.#adapters.env, ATTUNE__EXECUTOR__SUPERVISOR_INTERVAL_MS: '300' };
    const api = new AttuneProcess(undefined, { ...env, ATTUNE__SERVER__PORT: String(await freePort()) }, ['api']);
    this.processes.set('api', api);
    writePack(path.join(api.home, 'packs', 'probe'), { 'pack.yaml': 'ref: probe\nversion: 1.0.0\n', 'triggers/hit.yaml': 'name: hit\n' });
    const migrated = await runCli(['--home', api.home, 'db', 'migrate'], this.#adapters.env);
    expect(migrated.code, migrated.stderr).toBe(0);
    await api.start();
    const others = { ...env, ATTUNE__SERVER__API_URL: api.url };
    this.processes.set('executor', new AttuneProcess(undefined, others, ['executor']));
    this.processes.set('worker', new AttuneProcess(undefined, { ...others, ATTUNE__WORKER__ID: 'w1' }, ['worker']));
    await Promise.all([this.#process('executor').start(), this.#process('worker').start()]);
    const rule = await api.api('POST', '/api/v1/rules', { ref: RULE, trigger_ref: TRIGGER, action_ref: 'core.noop' });
    expect(rule.status).toBe(201);
  }

  /** `kill -9` of one service, then the same service started again in its data dir. */
  async killAndRestart(name: 'api' | 'executor'): Promise<void> {
    const process = this.#process(name);
    await process.stop('SIGKILL');
    await process.start();
  }

  async cleanup(): Promise<void> {
    for (const process of this.processes.values()) await process.cleanup();
    await this.#adapters.cleanup();
  }

  /** Every event of the trigger with the counts of its enforcements and (completed) executions. */
  async records(): Promise<EventRecord[]> {
    const client = new pg.Client({ connectionString: this.#adapters.env.ATTUNE__DATABASE__URL });
    await client.connect();
    try {
      const { rows } = await client.query<EventRecord>(
        `select ev.id,
           (select count(*)::int from enforcements en where en.event_id = ev.id) as enforcements,
           (select count(*)::int from executions ex where ex.event_id = ev.id) as executions,
           (select count(*)::int from executions ex where ex.event_id = ev.id and ex.status = 'completed') as completed
         from events ev where ev.trigger_ref = $1 order by ev.id`,
        [TRIGGER],
      );
      return rows;
    } finally {
      await client.end();
    }
  }

  /** Waits until every accepted event has a completed execution, then returns every event's record. */
  async settled(accepted: readonly number[]): Promise<EventRecord[]> {
    const wanted = new Set(accepted);
    return until(() => this.records(), (rows) => rows.filter((row) => wanted.has(row.id) && row.completed > 0).length === wanted.size, 500);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Posts `total` events from `loops` concurrent clients. Only events answered 201 count as accepted;
 * a refused or failed request (the API being down) is counted and the loop goes on after a pause.
 */
async function burst(api: AttuneProcess, total: number, loops: number, accepted: number[]): Promise<{ failed: number }> {
  let next = 0;
  let failed = 0;
  const loop = async () => {
    while (next < total) {
      const n = next++;
      try {
        const posted = await api.api<{ data: { id: number } }>('POST', '/api/v1/events', { trigger_ref: TRIGGER, payload: { n } });
        if (posted.status === 201) accepted.push(posted.body.data.id);
        else failed++;
      } catch {
        failed++;
        await sleep(100);
      }
    }
  };
  await Promise.all(Array.from({ length: loops }, loop));
  return { failed };
}

/** Every accepted event: one enforcement, one execution, completed; no event of the trigger has two. */
function expectExactlyOnce(records: readonly EventRecord[], accepted: readonly number[]): void {
  const byId = new Map(records.map((record) => [record.id, record]));
  const wrong = accepted.map((id) => byId.get(id) ?? { id, enforcements: 0, executions: 0, completed: 0 }).filter((r) => r.enforcements !== 1 || r.executions !== 1 || r.completed !== 1);
  expect(wrong).toEqual([]);
  expect(records.filter((r) => r.enforcements > 1 || r.executions > 1)).toEqual([]);
}

function chaosSuite(_name: string, open: () => Promise<DistributedAdapters>): void {
  describe('separate services under failure', () => {
    let cluster: Cluster | undefined;
    const running = (): Cluster => {
      if (!cluster) throw new Error('the services did not start');
      return cluster;
    };
    beforeEach(async () => {
      cluster = new Cluster(await open());
      await cluster.start();
    }, 60_000);
    afterEach(async () => {
      await cluster?.cleanup();
      cluster = undefined;
    });

    it('runs each of 2,000 events exactly once across every RabbitMQ connection being closed twice', async () => {
      const { api, vhost } = running();
      const accepted: number[] = [];
      const chaos = async () => {
        for (const after of [500, 1200]) {
          await until(() => accepted.length, (n) => n >= after, 20);
          await closeConnections(vhost);
        }
      };
      const [{ failed }] = await Promise.all([burst(api, 2000, 8, accepted), chaos()]);
      expect([accepted.length, failed]).toEqual([2000, 0]);
      expectExactlyOnce(await running().settled(accepted), accepted);
      // The connections did drop, and every service took up the broker again.
      for (const process of running().processes.values()) {
        expect(readFileSync(path.join(process.home, 'logs', 'attune.log'), 'utf8')).toContain('"bus connection regained"');
      }
    }, 120_000);

    for (const service of ['executor', 'api'] as const) {
      it(`loses no accepted event when the ${service} is killed with -9 during a burst`, async () => {
        const { api } = running();
        const accepted: number[] = [];
        let acceptedBeforeKill = 0;
        const chaos = async () => {
          acceptedBeforeKill = await until(() => accepted.length, (n) => n >= 300, 20);
          await running().killAndRestart(service);
        };
        await Promise.all([burst(api, 1000, 8, accepted), chaos()]);
        // The kill came during the burst, and the restarted service took its part of it.
        expect(acceptedBeforeKill).toBeLessThan(900);
        expect(accepted.length).toBeGreaterThan(acceptedBeforeKill + 100);
        expectExactlyOnce(await running().settled(accepted), accepted);
      }, 90_000);
    }
  });
}

describeEachAdapter(
  'chaos',
  [{ name: 'postgres+amqp', needs: ['TEST_PG_URL', 'TEST_AMQP_URL'], open: (env) => distributedAdapters(env.TEST_PG_URL as string, env.TEST_AMQP_URL as string) }],
  chaosSuite,
);
