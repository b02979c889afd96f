import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { TestDatabases } from '../support/postgres.js';
import { describeEachAdapter } from '../support/test-adapters.js';
import { AttuneProcess, type ExecutionBody, adminPassword, describeEmbeddedOnly, isTerminal, makeHome, runCli, until } from './harness.js';

type Page<T> = { data: T[]; pagination: { total: number } };

/** Embedded to distributed: a SQLite data dir exported, imported into a fresh PostgreSQL database, started on it. */
function importSuite(_name: string, open: () => Promise<TestDatabases>): void {
  describeEmbeddedOnly('its source is the SQLite data dir of an embedded attune up', 'attune import from SQLite into PostgreSQL', () => {
    const processes: AttuneProcess[] = [];
    let databases: TestDatabases | undefined;
    afterAll(async () => {
      for (const p of processes.splice(0)) await p.cleanup();
      await databases?.dropAll();
    });

    it('carries rules, executions, the admin password and old token; refuses a second import and a cut-off file', async () => {
      databases = await open();
      const source = new AttuneProcess();
      processes.push(source);
      await source.start();
      const password = adminPassword(source.output);
      const run = await source.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: 'core.echo', parameters: { message: 'carried' } });
      await until(async () => (await source.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${run.body.data.id}`)).body.data, isTerminal);
      const rule = { ref: 'examples.carried', trigger_ref: 'core.intervaltimer', trigger_params: { unit: 'hours', interval: 1 }, action_ref: 'core.noop' };
      expect((await source.api('POST', '/api/v1/rules', rule)).status).toBe(201);
      const rulesBefore = (await source.api<Page<{ ref: string; id: number }>>('GET', '/api/v1/rules?limit=100')).body.data;
      expect(await source.stop()).toBe(0);
      const file = path.join(source.home, 'export.jsonl');
      expect((await runCli(['--home', source.home, 'export', file])).code).toBe(0);

      // The destination data dir gets the source's secret key, as docs/deploy.md says.
      const env = { ATTUNE__DATABASE__URL: await databases.create() };
      const target = new AttuneProcess(makeHome(), env);
      processes.push(target);
      cpSync(path.join(source.home, 'secrets'), path.join(target.home, 'secrets'), { recursive: true });
      cpSync(path.join(source.home, 'cli-token'), path.join(target.home, 'cli-token'));
      const cut = path.join(target.home, 'cut.jsonl');
      writeFileSync(cut, readFileSync(file, 'utf8').split('\n').slice(0, -3).join('\n'));
      const refused = await runCli(['--home', target.home, 'import', cut], env);
      expect(refused.stderr).toContain('ERR_IMPORT_INVALID');
      expect(refused.stderr).toContain('cut off');

      const imported = await runCli(['--home', target.home, 'import', file], env);
      expect(imported.code, imported.stderr).toBe(0);
      expect(imported.stderr).toMatch(/^imported .*1 execution.* into postgres:\/\//);
      const again = await runCli(['--home', target.home, 'import', file], env);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toContain('ERR_IMPORT_NOT_EMPTY');

      const started = await target.start();
      expect((await started.api('GET', '/api/v1/rules')).status).toBe(200); // the old CLI token
      const login = await started.apiAs<{ data: { access_token: string } }>(undefined, 'POST', '/auth/login', { login: 'admin', password });
      expect(login.status).toBe(200);
      const token = login.body.data.access_token;
      const rulesAfter = (await started.apiAs<Page<{ ref: string; id: number }>>(token, 'GET', '/api/v1/rules?limit=100')).body.data;
      expect(rulesAfter.map(({ ref, id }) => ({ ref, id }))).toEqual(rulesBefore.map(({ ref, id }) => ({ ref, id })));
      const executions = (await started.apiAs<Page<ExecutionBody>>(token, 'GET', '/api/v1/executions')).body.data;
      expect(executions).toEqual([expect.objectContaining({ id: run.body.data.id, action_ref: 'core.echo', status: 'completed' })]);
      const next = await started.apiAs<{ data: ExecutionBody }>(token, 'POST', '/api/v1/executions', { action_ref: 'core.echo', parameters: { message: 'new' } });
      expect(next.body.data.id).toBe(run.body.data.id + 1);
      const ran = await until(async () => (await started.apiAs<{ data: ExecutionBody }>(token, 'GET', `/api/v1/executions/${next.body.data.id}`)).body.data, isTerminal);
      expect(ran.status).toBe('completed');
    });
  });
}

describeEachAdapter('import', [{ name: 'postgres', needs: ['TEST_PG_URL'], open: (env) => Promise.resolve(new TestDatabases(env.TEST_PG_URL as string)) }], importSuite);
