import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachAdapter } from '../support/test-adapters.js';
import { AttuneProcess, type DistributedAdapters, type ExecutionBody, distributedAdapters, isTerminal, runCli, until, writePack } from './harness.js';

type Execution = ExecutionBody & { worker_id: string | null };
type Execution2 = Execution & { attempt: number; result: (Execution['result'] & { previous_attempts?: { attempt: number; status: string; error?: string }[] }) | null };
type WorkerRow = { id: string; status: string; runtimes: string[] };
type StreamMessage = { type: string; id: number; change: string };

/** The first two workers offer no python: its actions wait until a worker that does appears. */
const NO_PYTHON = JSON.stringify(['shell', 'shell-cmd', 'node', 'native', 'builtin']);

/** Follows `GET /api/v1/stream` of an API as a watcher would, keeping every message. */
async function watchStream(url: string, headers: Record<string, string>): Promise<{ messages: StreamMessage[]; close: () => void }> {
  const abort = new AbortController();
  const response = await fetch(`${url}/api/v1/stream?types=execution`, { headers, signal: abort.signal });
  if (!response.body) throw new Error(`no stream: ${response.status}`);
  const messages: StreamMessage[] = [];
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  let isConnected = false;
  const read = async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffered += value;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(': connected')) isConnected = true;
        if (line.startsWith('data: ')) messages.push(JSON.parse(line.slice('data: '.length)) as StreamMessage);
      }
    }
  };
  read().catch(() => undefined); // ends with an AbortError when the test closes it
  await until(() => isConnected, Boolean); // the subscription is live from here on
  return { messages, close: () => abort.abort() };
}

const HEARTBEAT_TIMEOUT_MS = 3000;

/** Each service in its own process on one PostgreSQL database and one RabbitMQ vhost. */
function servicesSuite(_name: string, open: () => Promise<DistributedAdapters>): void {
  describe('attune api, executor, two workers and sensor as separate processes', () => {
    let adapters: DistributedAdapters | undefined;
    const processes: AttuneProcess[] = [];
    let api: AttuneProcess;
    const workers = new Map<string, AttuneProcess>();
    let workerEnv: Record<string, string> = {};

    beforeAll(async () => {
      adapters = await open();
      const env = { ...adapters.env, ATTUNE__WORKER__HEARTBEAT_MS: '200', ATTUNE__WORKER__HEARTBEAT_TIMEOUT_MS: String(HEARTBEAT_TIMEOUT_MS) };
      api = new AttuneProcess(undefined, env, ['api']);
      processes.push(api);
      writePack(path.join(api.home, 'packs', 'probe'), {
        'pack.yaml': 'ref: probe\nversion: 1.0.0\n',
        'triggers/hit.yaml': 'name: hit\n',
        'actions/hello.yaml': 'name: hello\nrunner_type: python\nentry_point: hello.py\n',
        'actions/hello.py': 'print("hello from python")\n',
        // Long enough to kill its worker during the run; one retry allowed.
        'actions/slow.yaml': 'name: slow\nrunner_type: shell\nentry_point: slow.sh\nmax_retries: 1\n',
        'actions/slow.sh': 'sleep 4\necho slept\n',
      });
      const migrated = await runCli(['--home', api.home, 'db', 'migrate'], adapters.env);
      expect(migrated.code, migrated.stderr).toBe(0);
      await api.start();
      const others = { ...env, ATTUNE__SERVER__API_URL: api.url, ATTUNE__EXECUTOR__SUPERVISOR_INTERVAL_MS: '300' };
      workerEnv = others;
      for (const [command, id] of [['executor'], ['worker', 'w1'], ['worker', 'w2'], ['sensor']] as const) {
        const process = new AttuneProcess(undefined, id ? { ...others, ATTUNE__WORKER__ID: id, ATTUNE__WORKER__RUNTIMES: NO_PYTHON } : others, [command]);
        processes.push(process);
        if (id) workers.set(id, process);
      }
      await Promise.all(processes.slice(1).map((p) => p.start()));
    });
    afterAll(async () => {
      for (const process of processes) await process.cleanup();
      await adapters?.cleanup();
    });

    it('answers each process’s own health check and logs its adapters', async () => {
      for (const process of processes.slice(1)) {
        const { url, services } = JSON.parse(readFileSync(path.join(process.home, 'health.json'), 'utf8')) as { url: string; services: string[] };
        const health = (await (await fetch(`${url}/api/v1/health`)).json()) as { data: { status: string; services: string[] } };
        expect(health.data).toMatchObject({ status: 'ok', services });
        expect(readFileSync(path.join(process.home, 'logs', 'attune.log'), 'utf8')).toContain('"adapters chosen"');
      }
      expect((await api.api<{ data: { services: string[] } }>('GET', '/api/v1/health')).body.data.services).toEqual(['api']);
    });

    it('lists both workers as live with their runtimes', async () => {
      const listed = await api.api<{ data: WorkerRow[] }>('GET', '/api/v1/workers');
      expect(listed.body.data.map((w) => [w.id, w.status])).toEqual([['w1', 'live'], ['w2', 'live']]);
      expect(listed.body.data[0]?.runtimes).toEqual(['shell', 'shell-cmd', 'node', 'native', 'builtin']);
      const cli = await api.cli(['worker', 'list']);
      expect([cli.code, cli.stdout]).toEqual([0, expect.stringMatching(/w1 +live[\s\S]*w2 +live/)]);
    });

    it('shares a stream of executions between the two workers, each run once', async () => {
      const ids: number[] = [];
      for (let n = 0; n < 20; n++) {
        const requested = await api.api<{ data: Execution }>('POST', '/api/v1/executions', { action_ref: 'core.echo', parameters: { message: `m${n}` } });
        ids.push(requested.body.data.id);
      }
      const done = await Promise.all(ids.map((id) => api.waitForExecution(id, isTerminal))) as Execution[];
      expect(done.map((e) => e.status)).toEqual(ids.map(() => 'completed'));
      expect(new Set(done.map((e) => e.worker_id))).toEqual(new Set(['w1', 'w2']));
    });

    it('abandons the execution of a worker killed with -9, and the other worker carries on', async () => {
      const sleeping = await api.api<{ data: Execution }>('POST', '/api/v1/executions', { action_ref: 'core.sleep', parameters: { seconds: 120 } });
      const running = (await api.waitForExecution(sleeping.body.data.id, (e) => e.status === 'running')) as Execution;
      const survivor = running.worker_id === 'w1' ? 'w2' : 'w1';
      await workers.get(running.worker_id ?? '')?.stop('SIGKILL');
      const killedAt = Date.now();
      const ended = await api.waitForExecution(sleeping.body.data.id, isTerminal);
      expect([ended.status, ended.result?.error]).toEqual(['abandoned', expect.stringContaining('stopped heart-beating')]);
      // Within the heartbeat timeout, plus a supervisor pass and the polling of this test.
      expect(Date.now() - killedAt).toBeLessThan(HEARTBEAT_TIMEOUT_MS + 3000);
      const after = await api.api<{ data: Execution }>('POST', '/api/v1/executions', { action_ref: 'core.echo', parameters: { message: 'still here' } });
      const echoed = (await api.waitForExecution(after.body.data.id, isTerminal)) as Execution;
      expect([echoed.status, echoed.worker_id]).toEqual(['completed', survivor]);
      const listed = await until(() => api.api<{ data: WorkerRow[] }>('GET', '/api/v1/workers').then((r) => r.body.data), (rows) => rows.some((w) => w.status === 'dead'));
      expect(listed.map((w) => [w.id, w.status])).toEqual([[survivor, 'live'], [running.worker_id, 'dead']]);
    });

    it('shows the status changes of an execution run by a worker process on the stream of each API process', async () => {
      // A second API on the same database and broker, holding the first one's secret key (as deploy.md says).
      const api2 = new AttuneProcess(undefined, adapters?.env ?? {}, ['api']);
      processes.push(api2);
      mkdirSync(path.join(api2.home, 'secrets'), { recursive: true, mode: 0o700 });
      copyFileSync(path.join(api.home, 'secrets', 'parameters.key'), path.join(api2.home, 'secrets', 'parameters.key'));
      await api2.start();
      const watchers = [await watchStream(api.url, api.authHeaders), await watchStream(api2.url, api.authHeaders)];
      try {
        const requested = await api.api<{ data: Execution }>('POST', '/api/v1/executions', { action_ref: 'core.sleep', parameters: { seconds: 1 } });
        const id = requested.body.data.id;
        const ended = (await api.waitForExecution(id, isTerminal)) as Execution;
        expect([ended.status, ended.worker_id]).toEqual(['completed', expect.stringMatching(/^w[12]$/)]);
        for (const watcher of watchers) {
          const seen = await until(() => watcher.messages.filter((m) => m.id === id).map((m) => m.change), (changes) => changes.includes('completed'));
          // In causal order, though three processes published them: the executor, a worker, the same worker.
          expect(seen).toEqual(['scheduled', 'running', 'completed']);
        }
      } finally {
        for (const watcher of watchers) watcher.close();
        await api2.stop();
      }
    });

    it('dispatches an action only to a worker that offers its runtime: it waits in scheduled until one appears', async () => {
      const ids: number[] = [];
      for (let n = 0; n < 3; n++) ids.push((await api.api<{ data: Execution }>('POST', '/api/v1/executions', { action_ref: 'probe.hello' })).body.data.id);
      // Other work goes on meanwhile; the python executions wait, taken by no worker.
      const echo = await api.api<{ data: Execution }>('POST', '/api/v1/executions', { action_ref: 'core.echo', parameters: { message: 'meanwhile' } });
      expect((await api.waitForExecution(echo.body.data.id, isTerminal)).status).toBe('completed');
      for (const id of ids) expect(await api.api<{ data: Execution }>('GET', `/api/v1/executions/${id}`).then((r) => [r.body.data.status, r.body.data.worker_id])).toEqual(['scheduled', null]);
      const w3 = new AttuneProcess(undefined, { ...workerEnv, ATTUNE__WORKER__ID: 'w3' }, ['worker']);
      processes.push(w3);
      workers.set('w3', w3);
      await w3.start();
      const done = (await Promise.all(ids.map((id) => api.waitForExecution(id, isTerminal)))) as Execution[];
      expect(done.map((e) => [e.status, e.worker_id, e.result?.stdout])).toEqual(ids.map(() => ['completed', 'w3', 'hello from python\n']));
    });

    it('runs the execution of a worker killed with -9 again on another worker when the action allows a retry', async () => {
      const requested = await api.api<{ data: Execution }>('POST', '/api/v1/executions', { action_ref: 'probe.slow' });
      const running = (await api.waitForExecution(requested.body.data.id, (e) => e.status === 'running')) as Execution;
      await workers.get(running.worker_id ?? '')?.stop('SIGKILL');
      const ended = (await api.waitForExecution(requested.body.data.id, isTerminal)) as Execution2;
      expect([ended.status, ended.attempt, ended.result?.stdout]).toEqual(['completed', 2, 'slept\n']);
      expect(ended.worker_id).not.toBe(running.worker_id);
      expect(ended.result?.previous_attempts).toEqual([{ attempt: 1, status: 'abandoned', error: expect.stringContaining('stopped heart-beating') }]);
    });

    it('runs a rule from an event posted to the API', async () => {
      const rule = await api.api('POST', '/api/v1/rules', { ref: 'probe.echo', trigger_ref: 'probe.hit', action_ref: 'core.echo', action_params: { message: 'ruled' } });
      expect(rule.status).toBe(201);
      const event = await api.api('POST', '/api/v1/events', { trigger_ref: 'probe.hit', payload: {} });
      expect(event.status).toBe(201);
      const page = await until(
        () => api.api<{ data: Execution[] }>('GET', '/api/v1/executions?rule_ref=probe.echo').then((r) => r.body.data),
        (rows) => rows.some(isTerminal),
      );
      const shown = await api.waitForExecution(page[0]?.id ?? 0, isTerminal);
      expect([page.length, shown.status, shown.result?.stdout]).toEqual([1, 'completed', 'ruled\n']);
    });
  });
}

describeEachAdapter(
  'separate services',
  [{ name: 'postgres+amqp', needs: ['TEST_PG_URL', 'TEST_AMQP_URL'], open: (env) => distributedAdapters(env.TEST_PG_URL as string, env.TEST_AMQP_URL as string) }],
  servicesSuite,
);
