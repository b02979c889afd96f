import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/index.js';
import { type Execution, executionId, isTerminal } from '../domain/index.js';
import { ExecutionRequests, ExecutorService } from '../executor/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { SecretBox } from '../secrets/index.js';
import { openStore, sqliteDialect, type Store } from '../store/index.js';
import { ActionRunner } from './action-runner.js';
import { WorkerService } from './worker-service.js';

const log = pino({ level: 'silent' });

describe('WorkerService', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let executor: ExecutorService;
  let worker: WorkerService;
  let requests: ExecutionRequests;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-worker-'));
    const pack = path.join(dir, 'probe');
    mkdirSync(path.join(pack, 'actions'), { recursive: true });
    writeFileSync(path.join(pack, 'pack.yaml'), 'ref: probe\nversion: 1.0.0\n');
    writeFileSync(path.join(pack, 'actions', 'login.yaml'), 'name: login\nrunner_type: builtin\nentry_point: noop\nparameters:\n  token: {type: string, secret: true}\n');
    store = await openStore(sqliteDialect(path.join(dir, 'db.sqlite')));
    bus = new InProcessBus({ retryDelayMs: 1 });
    const catalog = new PackCatalog({ store, bus });
    const sealing = SecretBox.forHome(path.join(dir, 'api'));
    await new PackRegistry({ store, bus, log, catalog, secrets: sealing }).register(pack);
    requests = new ExecutionRequests({ store, bus, log, catalog, secrets: sealing });
    executor = new ExecutorService({ store, bus, log, config: { redrive_after_ms: 60_000, supervisor_interval_ms: 60_000 } });
    const runner = new ActionRunner({ maxOutputBytes: 4096, killGraceMs: 100, baseEnv: {} });
    // The worker holds another key than the one that sealed the parameters: opening them fails.
    const secrets = SecretBox.forHome(path.join(dir, 'worker'));
    const config = { id: 'w1', concurrency: 2, max_output_bytes: 4096, kill_grace_ms: 100 };
    worker = new WorkerService({ store, bus, log, config, runner, catalog, secrets, workerId: 'w1', apiUrl: 'http://127.0.0.1:1' });
    await worker.start();
    await executor.start();
  });

  afterEach(async () => {
    await worker.stop();
    await executor.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The execution once it is terminal (the test's own timeout bounds the wait). */
  async function settled(id: Execution['id']): Promise<Execution> {
    for (;;) {
      const execution = await store.executions.get(id);
      if (execution && isTerminal(execution.status)) return execution;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  it('fails an execution that breaks after its claim, with the reason, instead of leaving it running', async () => {
    const requested = await requests.request({ actionRef: 'probe.login', parameters: { token: 't0ken' } });
    const execution = await settled(executionId(requested.id));
    expect(execution.status).toBe('failed');
    expect(execution.result?.error).toContain('"token"');
    expect(execution.result?.error).toContain('cannot be opened');
    expect(execution.finishedAt).not.toBeNull();
  });

  it('fails a row it claimed earlier but no longer holds when the dispatch comes again', async () => {
    // As a handler leaves it when even recording its failure threw: claimed by w1, then dropped.
    const requested = await store.executions.create({ actionRef: 'probe.login', parameters: {} });
    await store.executions.transition(requested.id, ['requested'], 'scheduled');
    await store.executions.transition(requested.id, ['scheduled'], 'running', { workerId: 'w1', started: true, countAttempt: true });
    await bus.publish('execution.dispatch', { executionId: requested.id });
    const execution = await settled(requested.id);
    expect(execution.status).toBe('failed');
    expect(execution.result?.error).toContain('lost this execution');
  });
});
