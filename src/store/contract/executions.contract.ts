import { expect, it } from 'vitest';
import { type ExecutionId, enforcementId, eventId, executionId, ruleId } from '../../domain/index.js';
import { ERROR_PREVIEW_CHARS } from '../store-types.js';
import { type CurrentStore, setClock } from './fixtures.contract.js';

const FAR_FUTURE = '9999-12-31T23:59:59.999Z';
const PROCESS = { pid: 4242, start: '123456', boot: 'boot-a', cell: { kind: 'environ', tag: 'cell-1' } } as const;

/** Executions: their status machine, the lists, and what the supervisor looks for. */
export function executionsContract(current: CurrentStore): void {
  it('moves an execution only from an expected status, so one of two racers wins', async () => {
    const store = current();
    const execution = await store.executions.create({ actionRef: 'demo.a', parameters: { x: 1 } });
    expect(execution).toMatchObject({ status: 'requested', attempt: 0, result: null, process: null, startedAt: null, finishedAt: null });
    const asked = await store.executions.create({ actionRef: 'demo.a', parameters: {}, requestedBy: 'alice' });
    expect([execution.requestedBy, (await store.executions.get(asked.id))?.requestedBy]).toEqual([null, 'alice']);
    expect((await store.executions.list({ limit: 1, offset: 0 })).items[0]?.requestedBy).toBe('alice');
    const [a, b] = await Promise.all([
      store.executions.transition(execution.id, ['requested'], 'scheduled'),
      store.executions.transition(execution.id, ['requested'], 'scheduled'),
    ]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    const running = await store.executions.transition(execution.id, ['scheduled'], 'running', { workerId: 'w1', started: true, countAttempt: true });
    expect(running).toMatchObject({ status: 'running', workerId: 'w1', attempt: 1 });
    expect(running?.startedAt).not.toBeNull();
    expect(await store.executions.transition(execution.id, ['scheduled'], 'running')).toBeUndefined();
    // Held by w1: another worker (one declared dead, say) cannot finish it.
    expect(await store.executions.transition(execution.id, ['running'], 'failed', { heldBy: 'w2', finished: true })).toBeUndefined();
    const done = await store.executions.transition(execution.id, ['running'], 'completed', { result: { exit_code: 0 }, finished: true, heldBy: 'w1' });
    expect(done?.result).toEqual({ exit_code: 0 });
    expect(done?.parameters).toEqual({ x: 1 });
    expect(await store.executions.get(execution.id)).toEqual(done);
  });

  it('creates, reads and moves several executions at once, each move a compare-and-set of its own', async () => {
    const store = current();
    const created = await store.executions.createMany([
      { actionRef: 'demo.a', parameters: { n: 1 } },
      { actionRef: 'demo.b', parameters: { n: 2 }, ruleRef: 'demo.r', eventId: eventId(7), secretParameters: ['n'] },
      { actionRef: 'demo.a', parameters: { n: 3 } },
    ]);
    expect(created.map((e) => [e.actionRef, e.parameters, e.status])).toEqual([
      ['demo.a', { n: 1 }, 'requested'],
      ['demo.b', { n: 2 }, 'requested'],
      ['demo.a', { n: 3 }, 'requested'],
    ]);
    expect(created[1]).toMatchObject({ ruleRef: 'demo.r', eventId: 7, secretParameters: ['n'], attempt: 0 });
    const [first, second, third] = created.map((e) => e.id) as [ExecutionId, ExecutionId, ExecutionId];
    expect(second > first && third > second).toBe(true);
    expect(await store.executions.createMany([])).toEqual([]);
    expect(await store.executions.getMany([third, executionId(999_999), first])).toEqual([created[0], created[2]]);
    expect(await store.executions.getMany([])).toEqual([]);
    await store.executions.transition(second, ['requested'], 'cancelled');
    const moved = await store.executions.transitionMany([third, second, first], ['requested'], 'completed', {
      workerId: 'w1',
      started: true,
      finished: true,
      countAttempt: true,
      result: { stdout: '' },
    });
    expect(moved.map((e) => [e.id, e.status, e.attempt, e.workerId, e.result])).toEqual([
      [first, 'completed', 1, 'w1', { stdout: '' }],
      [third, 'completed', 1, 'w1', { stdout: '' }],
    ]);
    expect(moved[0]?.startedAt).not.toBeNull();
    expect(moved[0]?.finishedAt).toBe(moved[0]?.startedAt);
    expect(await store.executions.transitionMany([first, third], ['requested'], 'scheduled')).toEqual([]);
    expect((await store.executions.get(second))?.status).toBe('cancelled');
  });

  it('keeps the names of parameters sealed beyond the schema, in the row and in its summary', async () => {
    const store = current();
    const plain = await store.executions.create({ actionRef: 'demo.a', parameters: { x: 1 } });
    const keyed = await store.executions.create({ actionRef: 'demo.a', parameters: { x: { $secret: 'v1.a.b.c' } }, secretParameters: ['x'] });
    expect(plain.secretParameters).toEqual([]);
    expect((await store.executions.get(keyed.id))?.secretParameters).toEqual(['x']);
    const summaries = await store.executions.listSummaries({ limit: 10, offset: 0 });
    expect(summaries.items.map((e) => e.secretParameters)).toEqual([['x'], []]);
  });

  it('stores what an execution came from and lists executions newest first, by status, action, rule and parent', async () => {
    const store = current();
    const origin = { ruleId: ruleId(3), ruleRef: 'demo.r', enforcementId: enforcementId(4), eventId: eventId(5) };
    const parent = await store.executions.create({ actionRef: 'demo.a', parameters: {}, timeoutSeconds: 7, ...origin });
    const child = await store.executions.create({ actionRef: 'demo.b', parameters: {}, parentId: parent.id });
    const other = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    await store.executions.transition(other.id, ['requested'], 'cancelled');
    expect(await store.executions.get(parent.id)).toMatchObject({ timeoutSeconds: 7, parentId: null, ...origin });
    expect(await store.executions.get(executionId(999_999))).toBeUndefined();
    const ids = async (filter: Parameters<typeof store.executions.list>[0]) => (await store.executions.list(filter)).items.map((e) => e.id);
    const page = await store.executions.list({ limit: 2, offset: 0 });
    expect({ ids: page.items.map((e) => e.id), total: page.total }).toEqual({ ids: [other.id, child.id], total: 3 });
    expect(await ids({ limit: 10, offset: 0, status: 'requested' })).toEqual([child.id, parent.id]);
    expect(await ids({ limit: 10, offset: 0, actionRef: 'demo.a' })).toEqual([other.id, parent.id]);
    expect(await ids({ limit: 10, offset: 0, ruleRef: 'demo.r' })).toEqual([parent.id]);
    expect(await ids({ limit: 10, offset: 0, parentId: parent.id })).toEqual([child.id]);
    expect(await ids({ limit: 10, offset: 0, actionRef: 'demo.a', status: 'cancelled' })).toEqual([other.id]);
  });

  it('lists executions with a summary of each result, read in the database, never the result itself', async () => {
    const store = current();
    const big = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    const result = { exit_code: 1, signal: null, stdout: 'é'.repeat(50_000), duration_ms: 12, error: 'x'.repeat(5000), truncated: true };
    await store.executions.transition(big.id, ['requested'], 'failed', { result, finished: true });
    const small = await store.executions.create({ actionRef: 'demo.c', parameters: {} });
    const killed = { signal: 'SIGKILL', truncated: false };
    await store.executions.transition(small.id, ['requested'], 'timeout', { result: killed, finished: true });
    await store.executions.create({ actionRef: 'demo.b', parameters: { n: 1 } });
    const page = await store.executions.listSummaries({ limit: 10, offset: 0 });
    expect(page.total).toBe(3);
    const [pending, short, done] = page.items;
    expect(pending).toMatchObject({ actionRef: 'demo.b', parameters: { n: 1 }, resultSummary: null });
    expect(short?.resultSummary).toEqual({ exit_code: null, signal: 'SIGKILL', duration_ms: null, error: null, truncated: false, size_bytes: Buffer.byteLength(JSON.stringify(killed)) });
    expect(done).not.toHaveProperty('result');
    expect(done).not.toHaveProperty('process');
    expect(done?.resultSummary).toEqual({
      exit_code: 1,
      signal: null,
      duration_ms: 12,
      error: `${'x'.repeat(ERROR_PREVIEW_CHARS)}…`,
      truncated: true,
      size_bytes: Buffer.byteLength(JSON.stringify(result)),
    });
    expect((await store.executions.listSummaries({ limit: 10, offset: 0, actionRef: 'demo.a' })).items.map((e) => e.id)).toEqual([big.id]);
  });

  it('summarises a result whose output holds NUL characters (binary output)', async () => {
    const store = current();
    const execution = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    const result = { exit_code: 3, signal: null, stdout: 'a\u0000b', duration_ms: 5, truncated: false };
    await store.executions.transition(execution.id, ['requested'], 'failed', { result, finished: true });
    const [summary] = (await store.executions.listSummaries({ limit: 1, offset: 0 })).items;
    expect(summary?.resultSummary).toEqual({ exit_code: 3, signal: null, duration_ms: 5, error: null, truncated: false, size_bytes: Buffer.byteLength(JSON.stringify(result)) });
    expect((await store.executions.get(execution.id))?.result).toEqual(result);
  });

  it('records an execution’s process only while it runs or is being cancelled', async () => {
    const store = current();
    const execution = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    await store.executions.recordProcess(execution.id, PROCESS);
    expect((await store.executions.get(execution.id))?.process).toBeNull();
    await store.executions.transition(execution.id, ['requested'], 'running');
    await store.executions.recordProcess(execution.id, PROCESS);
    expect((await store.executions.get(execution.id))?.process).toEqual(PROCESS);
    await store.executions.transition(execution.id, ['running'], 'canceling');
    await store.executions.recordProcess(execution.id, { ...PROCESS, pid: 4343 });
    expect((await store.executions.get(execution.id))?.process?.pid).toBe(4343);
    await store.executions.transition(execution.id, ['canceling'], 'cancelled');
    await store.executions.recordProcess(execution.id, { ...PROCESS, pid: 4444 });
    expect((await store.executions.get(execution.id))?.process?.pid).toBe(4343);
  });

  it('claims executions left in some statuses since a time, each once until the claim is old', async () => {
    const store = current();
    setClock('2030-01-01T00:00:00.000Z');
    const a = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    const b = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    const c = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    setClock('2030-01-01T00:05:00.000Z');
    await store.executions.transition(c.id, ['requested'], 'running');
    const fresh = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    const ids = async (...args: Parameters<typeof store.executions.claimStale>) => (await store.executions.claimStale(...args)).map((e) => e.id);
    expect(await ids(['requested'], '2030-01-01T00:00:00.000Z', 1)).toEqual([a.id]);
    // a was claimed at 00:05, c updated then: only b is left from before 00:00.
    expect(await ids(['requested', 'running'], '2030-01-01T00:00:00.000Z', 10)).toEqual([b.id]);
    expect(await ids(['running'], '2030-01-01T00:04:59.999Z', 10)).toEqual([]);
    expect(await ids(['requested', 'running'], '2030-01-01T00:05:00.000Z', 10)).toEqual([a.id, b.id, c.id, fresh.id]);
    expect(await ids(['requested'], FAR_FUTURE, 10, a.id)).toEqual([b.id, fresh.id]);
    expect((await store.executions.get(a.id))?.updated).toBe('2030-01-01T00:00:00.000Z'); // a claim is no change of the execution
  });

  it('gives processes that claim at once different executions', async () => {
    const store = current();
    setClock('2030-01-01T00:00:00.000Z');
    const created = await Promise.all(Array.from({ length: 30 }, () => store.executions.create({ actionRef: 'demo.a', parameters: {} })));
    setClock('2030-01-01T00:05:00.000Z');
    const claims = await Promise.all([1, 2, 3].map(() => store.executions.claimStale(['requested'], '2030-01-01T00:00:00.000Z', 10)));
    const claimed = claims.flatMap((batch) => batch.map((e) => e.id));
    expect(claimed.sort((x, y) => x - y)).toEqual(created.map((e) => e.id).sort((x, y) => x - y));
  });

  it('finds every execution in some statuses, oldest first, up to a limit', async () => {
    const store = current();
    const a = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    const b = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    const c = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
    await store.executions.transition(b.id, ['requested'], 'running');
    await store.executions.transition(c.id, ['requested'], 'completed');
    const ids = async (...args: Parameters<typeof store.executions.findByStatus>) => (await store.executions.findByStatus(...args)).map((e) => e.id);
    expect(await ids(['requested', 'running'], 10)).toEqual([a.id, b.id]);
    expect(await ids(['running', 'completed', 'requested'], 2)).toEqual([a.id, b.id]);
    expect(await ids(['running'], 10)).toEqual([b.id]);
    expect(await ids(['abandoned'], 10)).toEqual([]);
  });
}
