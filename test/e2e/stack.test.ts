import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { describeEachAdapter } from '../support/test-adapters.js';
import { DISTRIBUTED_E2E_NEEDS } from '../support/e2e-projects.js';
import { AttuneProcess, isDistributedE2e } from './harness.js';

type StackState = { database: string; vhost: string };

async function databaseExists(adminUrl: string, url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query('select 1 from pg_database where datname = $1', [new URL(url).pathname.slice(1)])).rowCount === 1;
  } finally {
    await client.end();
  }
}

const vhostExists = (vhost: string): boolean => execFileSync('rabbitmqctl', ['-q', 'list_vhosts', '--no-table-headers', 'name'], { encoding: 'utf8' }).split('\n').some((line) => line.trim() === vhost);

/** The harness of the distributed e2e mode: what an AttuneProcess is there, and what it leaves. */
function stackSuite(_name: string, open: () => Promise<Readonly<Record<string, string>>>): void {
  describe('an attune up of the distributed e2e mode', () => {
    it('runs in this mode', () => {
      expect(isDistributedE2e()).toBe(true);
    });

    it('is each service in its own process on a database and vhost of its own, removed by cleanup', async () => {
      const env = await open();
      const attune = new AttuneProcess();
      try {
        await attune.start();
        const health = await attune.api<{ data: { services: string[] } }>('GET', '/api/v1/health');
        expect(health.body.data.services).toEqual(['api']);
        const pids = new Set([attune.pid]);
        for (const service of ['executor', 'worker', 'sensor']) {
          const recorded = JSON.parse(readFileSync(path.join(attune.home, 'stack', service, 'health.json'), 'utf8')) as { services: string[]; pid: number };
          expect(recorded.services).toEqual([service]);
          pids.add(recorded.pid);
        }
        expect(pids.size).toBe(4);
        const workers = await attune.api<{ data: { status: string }[] }>('GET', '/api/v1/workers');
        expect(workers.body.data.map((w) => w.status)).toEqual(['live']);
        const run = await attune.cli(['run', 'core.echo', 'message=across processes']);
        expect([run.code, run.stdout]).toEqual([0, expect.stringContaining('across processes')]);
      } finally {
        const state = JSON.parse(readFileSync(path.join(attune.home, 'stack', 'stack.json'), 'utf8')) as StackState;
        expect(await databaseExists(env.TEST_PG_URL ?? '', state.database)).toBe(true);
        expect(vhostExists(state.vhost)).toBe(true);
        await attune.cleanup();
        expect(await databaseExists(env.TEST_PG_URL ?? '', state.database)).toBe(false);
        expect(vhostExists(state.vhost)).toBe(false);
        expect(existsSync(attune.home)).toBe(false);
      }
    });
  });
}

describeEachAdapter('distributed e2e mode', [{ name: 'postgres+rabbitmq', needs: DISTRIBUTED_E2E_NEEDS, open: (env) => Promise.resolve(env) }], stackSuite);
