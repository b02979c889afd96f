import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type LimitedSqliteStore, openLimitedSqliteStore, PAGES_OF_TEXT } from '../../test/support/limited-sqlite-store.js';
import { until } from '../../test/support/wait.js';
import { InProcessBus } from '../bus/index.js';
import type { ExecutionId } from '../domain/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { SecretBox } from '../secrets/index.js';
import { ActionRunner } from './action-runner.js';
import { createDefaultBuiltins } from './builtins/default-builtins.js';
import { WorkerService } from './worker-service.js';

const CORE = path.resolve(import.meta.dirname, '../../packs/core');

describe('WorkerService', () => {
  let dir: string;
  let limited: LimitedSqliteStore;
  let bus: InProcessBus;
  let worker: WorkerService;
  let catalog: PackCatalog;
  const logLines: string[] = [];
  let finishAction: () => void = () => undefined;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-worker-'));
    limited = await openLimitedSqliteStore(path.join(dir, 'db.sqlite'));
    const { store } = limited;
    const log = pino({ level: 'warn' }, new Writable({ write: (chunk: Buffer, _enc, done) => (logLines.push(chunk.toString()), done()) }));
    bus = new InProcessBus({ maxAttempts: 1 });
    catalog = new PackCatalog({ store, bus });
    await new PackRegistry({ store, bus, log, catalog, secrets: SecretBox.forHome(dir) }).register(CORE);
    // core.noop, held until the test lets it finish, with an output too large for a full disk.
    const gate = new Promise<void>((resolve) => (finishAction = resolve));
    const builtins = new Map(createDefaultBuiltins()).set('noop', () => gate.then(() => ({ stdout: PAGES_OF_TEXT })));
    const runner = new ActionRunner({ maxOutputBytes: 1_048_576, killGraceMs: 100, baseEnv: {}, builtins });
    worker = new WorkerService({
      store, bus, log, runner, catalog,
      config: { id: 'w1', concurrency: 4, max_output_bytes: 1_048_576, kill_grace_ms: 100, heartbeat_ms: 60_000, heartbeat_timeout_ms: 120_000, runtimes: [], retention_ms: 86_400_000 },
      secrets: SecretBox.forHome(dir),
      workerId: 'w1',
      apiUrl: 'http://127.0.0.1:1',
    });
    await catalog.start();
    await worker.start();
  });

  afterEach(async () => {
    finishAction();
    await worker.stop();
    await catalog.stop();
    await bus.close();
    await limited.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the outcome of an action that ended on a full disk and records it once space returns', async () => {
    const { store } = limited;
    const created = await store.executions.create({ actionRef: 'core.noop', parameters: {} });
    await store.executions.transition(created.id, ['requested'], 'scheduled');
    await bus.publish('execution.dispatch', { executionId: created.id, runtime: 'builtin' });
    const get = () => store.executions.get(created.id as ExecutionId);
    await until(get, (e) => e?.status === 'running');

    limited.fill();
    finishAction();
    await until(() => logLines.join(''), (text) => text.includes('could not record the execution outcome'));
    expect((await get())?.status).toBe('running');
    expect(logLines.join('')).toContain('ERR_STORAGE_FULL');

    limited.free();
    const finished = await until(get, (e) => e?.status === 'completed');
    expect(finished?.result?.stdout).toBe(PAGES_OF_TEXT);
  });
});
