import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writePack } from '../../test/support/packs.js';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { until } from '../../test/support/wait.js';
import { InProcessBus } from '../bus/index.js';
import { AppError, type Execution, type ExecutionId, type Inquiry, isTerminal } from '../domain/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { SecretBox } from '../secrets/index.js';
import type { Store } from '../store/index.js';
import { ActionRunner, type BuiltinAction, WorkerService } from '../worker/index.js';
import { ExecutionRequests } from './execution-requests.js';
import { ExecutorService } from './executor-service.js';
import { InquiryService } from './inquiry-service.js';
import { WorkflowEngine } from './workflow-engine.js';

const log = pino({ level: 'silent' });

const PACK = {
  'pack.yaml': 'ref: ok\nversion: 1.0.0\n',
  'actions/echo.yaml': 'name: echo\nrunner_type: builtin\nentry_point: echo\nparameters:\n  msg: {type: string}\n',
  'actions/gate.yaml': 'name: gate\nworkflow_file: workflows/gate.yaml\nparameters:\n  timeout: {type: integer, default: 3600}\n',
  'actions/workflows/gate.yaml': `
tasks:
  - name: approve
    action: core.ask
    input:
      prompt: Deploy?
      schema: {approved: {type: boolean, required: true}, note: {type: string, default: none}}
      assignee: alice
      timeout: "{{ parameters.timeout }}"
      forbid_requester: true
    next:
      - when: "{{ succeeded() && result().response.approved }}"
        publish: [{note: "{{ result().response.note }}"}]
        do: [deploy]
      - when: "{{ timed_out() }}"
        do: [expired]
  - {name: deploy, action: ok.echo, input: {msg: deployed}}
  - {name: expired, action: ok.echo, input: {msg: expired}}
output_map:
  ran: "{{ task('deploy').status == 'succeeded' ? 'deploy' : 'expired' }}"
`,
  'actions/waits.yaml': 'name: waits\nworkflow_file: workflows/waits.yaml\nparameters:\n  timeout: {type: integer, default: 3600}\n',
  'actions/workflows/waits.yaml': `
tasks:
  - name: deploy
    action: ok.echo
    wait_for:
      prompt: "Deploy {{ parameters.timeout }}?"
      schema: {note: {type: string, required: true}}
      assignee: alice
      timeout: "{{ parameters.timeout }}"
    input: {msg: "deployed: {{ task.result.response.note }}"}
    next:
      - {when: "{{ timed_out() }}", do: [expired]}
  - {name: expired, action: ok.echo, input: {msg: expired}}
output_map:
  said: "{{ task('deploy').status == 'succeeded' ? task('deploy').result.stdout : task('expired').result.stdout }}"
`,
};

const alice = { login: 'alice', permissionSets: ['viewer'], isAdmin: false };

/** Store, bus, executor, workflow engine, inquiries and a worker, as `attune up` wires them. */
class World {
  dir = mkdtempSync(path.join(tmpdir(), 'attune-inquiries-'));
  store!: Store;
  bus = new InProcessBus({ retryDelayMs: 1 });
  requests!: ExecutionRequests;
  engine!: WorkflowEngine;
  inquiries!: InquiryService;
  executor!: ExecutorService;
  worker!: WorkerService;

  async open(): Promise<this> {
    const pack = writePack(path.join(this.dir, 'ok'), PACK);
    this.store = await openSqliteStore(path.join(this.dir, 'db.sqlite'));
    const catalog = new PackCatalog({ store: this.store, bus: this.bus });
    const secrets = SecretBox.forHome(this.dir);
    const registry = new PackRegistry({ store: this.store, bus: this.bus, log, catalog, secrets });
    await registry.register(path.resolve('packs/core'));
    await registry.register(pack);
    this.requests = new ExecutionRequests({ store: this.store, bus: this.bus, log, catalog, secrets });
    const config = { redrive_after_ms: 60_000, supervisor_interval_ms: 60_000, workflow_tick_ms: 10 };
    this.engine = new WorkflowEngine({ store: this.store, bus: this.bus, log, catalog, requests: this.requests, config });
    this.inquiries = new InquiryService({ store: this.store, bus: this.bus, log, config });
    this.executor = new ExecutorService({ store: this.store, bus: this.bus, log, config, catalog, workflows: this.engine, inquiries: this.inquiries });
    const builtins = new Map<string, BuiltinAction>([['echo', (params) => Promise.resolve({ stdout: String(params.msg ?? '') })]]);
    const runner = new ActionRunner({ maxOutputBytes: 4096, killGraceMs: 100, baseEnv: {}, builtins });
    const workerConfig = { id: 'w1', concurrency: 1, max_output_bytes: 4096, kill_grace_ms: 100, heartbeat_ms: 60_000, heartbeat_timeout_ms: 120_000, runtimes: [], retention_ms: 86_400_000 };
    this.worker = new WorkerService({ store: this.store, bus: this.bus, log, config: workerConfig, runner, catalog, secrets, workerId: 'w1', apiUrl: 'http://127.0.0.1:1' });
    await this.worker.start();
    await this.executor.start();
    await this.engine.start();
    await this.inquiries.start();
    return this;
  }

  run(actionRef: string, parameters: Record<string, unknown> = {}, requestedBy = 'bob'): Promise<Execution> {
    return this.requests.request({ actionRef, parameters, requestedBy });
  }

  done(id: ExecutionId): Promise<Execution> {
    return until(() => this.store.executions.get(id), (e) => e !== undefined && isTerminal(e.status), 10) as Promise<Execution>;
  }

  async pending(): Promise<Inquiry> {
    const page = await until(() => this.inquiries.list({ limit: 10, offset: 0, status: 'pending' }), (p) => p.items.length > 0, 10);
    return page.items[0] as Inquiry;
  }

  async close(): Promise<void> {
    await this.inquiries.stop();
    await this.worker.stop();
    await this.engine.stop();
    await this.executor.stop();
    await this.bus.close();
    await this.store.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function refusal(promise: Promise<unknown>): Promise<string | undefined> {
  return promise.then(
    () => undefined,
    (error: unknown) => (error instanceof AppError ? error.code : String(error)),
  );
}

describe('InquiryService', () => {
  let world: World;
  beforeEach(async () => {
    world = await new World().open();
  });
  afterEach(() => world.close());

  it('holds no worker while it waits, refuses whoever may not answer, and resumes the workflow with the answer', async () => {
    const flow = await world.run('ok.gate');
    const inquiry = await world.pending();
    expect(inquiry).toMatchObject({ prompt: 'Deploy?', assignee: 'alice', requestedBy: 'bob', forbidRequester: true });
    const ask = await world.store.executions.get(inquiry.executionId);
    expect(ask).toMatchObject({ actionRef: 'core.ask', status: 'running', workerId: null, parentId: flow.id });

    // The worker's only slot is free: a plain action runs meanwhile.
    const plain = await world.run('ok.echo', { msg: 'meanwhile' });
    expect((await world.done(plain.id)).status).toBe('completed');

    expect(await refusal(world.inquiries.respond(inquiry.id, { login: 'carol', permissionSets: ['viewer'], isAdmin: false }, { approved: true }))).toBe('ERR_INQUIRY_NOT_ASSIGNEE');
    // Even an admin may not answer when the inquiry forbids the one who started the workflow.
    expect(await refusal(world.inquiries.respond(inquiry.id, { login: 'bob', permissionSets: ['admin'], isAdmin: true }, { approved: true }))).toBe('ERR_INQUIRY_NOT_ASSIGNEE');
    expect(await refusal(world.inquiries.respond(inquiry.id, alice, { approved: 'yes' }))).toBe('ERR_INQUIRY_RESPONSE_INVALID');

    const answered = await world.inquiries.respond(inquiry.id, alice, { approved: true });
    expect(answered).toMatchObject({ status: 'responded', response: { approved: true, note: 'none' }, respondedBy: 'alice' });
    expect(await refusal(world.inquiries.respond(inquiry.id, alice, { approved: false }))).toBe('ERR_INQUIRY_NOT_PENDING');
    const finished = await world.done(flow.id);
    expect(finished).toMatchObject({ status: 'completed', result: { output: { ran: 'deploy' } } });
    expect((await world.store.executions.get(inquiry.executionId))?.result).toMatchObject({ response: { approved: true }, responded_by: 'alice' });
  });

  it('times out from its due time and the workflow takes its timed_out() branch', async () => {
    const flow = await world.run('ok.gate', { timeout: 1 });
    const inquiry = await world.pending();
    const finished = await world.done(flow.id);
    expect(finished).toMatchObject({ status: 'completed', result: { output: { ran: 'expired' } } });
    expect((await world.inquiries.get(inquiry.id)).status).toBe('timed_out');
    expect((await world.store.executions.get(inquiry.executionId))?.status).toBe('timeout');
    expect(await refusal(world.inquiries.respond(inquiry.id, alice, { approved: true }))).toBe('ERR_INQUIRY_NOT_PENDING');
  });

  it("opens a task's wait_for inquiry before its action, which then runs with the answer; a timeout takes timed_out()", async () => {
    const flow = await world.run('ok.waits');
    const inquiry = await world.pending();
    expect(inquiry).toMatchObject({ prompt: 'Deploy 3600?', assignee: 'alice' });
    const ask = await world.store.executions.get(inquiry.executionId);
    expect(ask).toMatchObject({ actionRef: 'core.ask', parentId: flow.id, taskName: 'deploy' });
    await world.inquiries.respond(inquiry.id, alice, { note: 'go' });
    expect(await world.done(flow.id)).toMatchObject({ status: 'completed', result: { output: { said: 'deployed: go' } } });
    const tasks = (await world.store.executions.list({ parentId: flow.id, limit: 10, offset: 0 })).items.map((e) => [e.taskName, e.actionRef]);
    expect(tasks.reverse()).toEqual([['deploy', 'core.ask'], ['deploy', 'ok.echo']]);

    const late = await world.run('ok.waits', { timeout: 1 });
    expect(await world.done(late.id)).toMatchObject({ status: 'completed', result: { output: { said: 'expired' } } });
    const ran = (await world.store.executions.list({ parentId: late.id, limit: 10, offset: 0 })).items.map((e) => e.actionRef);
    expect(ran.reverse()).toEqual(['core.ask', 'ok.echo']); // the ask, then the expired branch: never deploy's action
  });

  it('is cancelled with its workflow', async () => {
    const flow = await world.run('ok.gate');
    const inquiry = await world.pending();
    await world.requests.cancel(flow.id);
    expect((await world.done(flow.id)).status).toBe('cancelled');
    expect((await world.inquiries.get(inquiry.id)).status).toBe('cancelled');
    expect((await world.store.executions.get(inquiry.executionId))?.status).toBe('cancelled');
  });

  it('lets anyone allowed to respond answer an inquiry that names no assignee, and fails a malformed schema at once', async () => {
    const open = await world.run('core.ask', { prompt: 'Anyone?' });
    const inquiry = await world.pending();
    expect(inquiry.executionId).toBe(open.id);
    await world.inquiries.respond(inquiry.id, { login: 'carol', permissionSets: ['editor'], isAdmin: false }, {});
    expect((await world.done(open.id)).status).toBe('completed');
    const broken = await world.run('core.ask', { prompt: 'Broken?', schema: { x: { type: 'nonsense' } } });
    expect(await world.done(broken.id)).toMatchObject({ status: 'failed', result: { error: expect.stringContaining('schema') as unknown } });
  });
});
