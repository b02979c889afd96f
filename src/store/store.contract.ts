import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ruleId } from '../domain/index.js';
import type { RuleInput } from './store-types.js';
import type { Store } from './store.js';

const META = { ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} };

function action(ref: string, description = '') {
  return {
    ref,
    packRef: 'demo',
    label: ref,
    description,
    runnerType: 'shell' as const,
    entryPoint: 'x.sh',
    parameters: {},
    output: {},
    parameterDelivery: 'stdin' as const,
    parameterFormat: 'json' as const,
    outputFormat: 'text' as const,
    timeoutSeconds: 60,
    maxRetries: 0,
  };
}

function rule(ref: string, overrides: Partial<RuleInput> = {}): RuleInput {
  return {
    ref,
    packRef: 'demo',
    label: ref,
    description: '',
    triggerRef: 'core.webhook',
    triggerParams: {},
    conditions: [],
    actionRef: 'demo.a',
    actionParams: {},
    enabled: true,
    origin: 'pack',
    ...overrides,
  };
}

/** Behaviour every store dialect must show; each dialect's test file runs this suite. */
export function describeStoreContract(name: string, openStore: () => Promise<Store>): void {
  describe(`${name} store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await openStore();
    });
    afterEach(async () => {
      await store.close();
    });

    it('moves an execution only from an expected status, so one of two racers wins', async () => {
      const execution = await store.executions.create({ actionRef: 'demo.a', parameters: { x: 1 } });
      expect(execution.status).toBe('requested');
      const [a, b] = await Promise.all([
        store.executions.transition(execution.id, ['requested'], 'scheduled'),
        store.executions.transition(execution.id, ['requested'], 'scheduled'),
      ]);
      expect([a, b].filter(Boolean)).toHaveLength(1);
      const running = await store.executions.transition(execution.id, ['scheduled'], 'running', { workerId: 'w1', started: true, countAttempt: true });
      expect(running).toMatchObject({ status: 'running', workerId: 'w1', attempt: 1 });
      expect(running?.startedAt).not.toBeNull();
      expect(await store.executions.transition(execution.id, ['scheduled'], 'running')).toBeUndefined();
      const done = await store.executions.transition(execution.id, ['running'], 'completed', { result: { exit_code: 0 }, finished: true });
      expect(done?.result).toEqual({ exit_code: 0 });
      expect(done?.parameters).toEqual({ x: 1 });
    });

    it('lists executions with a summary of each result, read in the database, never the result itself', async () => {
      const big = await store.executions.create({ actionRef: 'demo.a', parameters: {} });
      const result = { exit_code: 1, signal: null, stdout: 'é'.repeat(50_000), duration_ms: 12, error: 'x'.repeat(5000), truncated: true };
      await store.executions.transition(big.id, ['requested'], 'failed', { result, finished: true });
      await store.executions.create({ actionRef: 'demo.b', parameters: { n: 1 } });
      const page = await store.executions.listSummaries({ limit: 10, offset: 0 });
      expect(page.total).toBe(2);
      const [pending, done] = page.items;
      expect(pending).toMatchObject({ actionRef: 'demo.b', parameters: { n: 1 }, resultSummary: null });
      expect(done).not.toHaveProperty('result');
      expect(done?.resultSummary).toEqual({
        exit_code: 1,
        signal: null,
        duration_ms: 12,
        error: `${'x'.repeat(1000)}…`,
        truncated: true,
        size_bytes: Buffer.byteLength(JSON.stringify(result)),
      });
      expect((await store.executions.listSummaries({ limit: 10, offset: 0, actionRef: 'demo.a' })).items.map((e) => e.id)).toEqual([big.id]);
    });

    it('re-registers a pack in place: changed components keep their ids, removed ones go', async () => {
      const pack = await store.packs.upsert(META, '/p');
      await store.actions.replaceForPack(pack.id, [action('demo.a'), action('demo.b')]);
      const before = await store.actions.findByRef('demo.a');
      const again = await store.packs.upsert({ ...META, version: '1.1.0' }, '/p');
      expect(again.id).toBe(pack.id);
      await store.actions.replaceForPack(pack.id, [action('demo.a', 'changed')]);
      const after = await store.actions.findByRef('demo.a');
      expect(after?.id).toBe(before?.id);
      expect(after?.description).toBe('changed');
      expect(await store.actions.findByRef('demo.b')).toBeUndefined();
    });

    it('leaves an unchanged component untouched on re-registration, its updated time included', async () => {
      const pack = await store.packs.upsert(META, '/p');
      await store.actions.replaceForPack(pack.id, [action('demo.a')]);
      const before = await store.actions.findByRef('demo.a');
      await new Promise((resolve) => setTimeout(resolve, 5));
      await store.actions.replaceForPack(pack.id, [action('demo.a')]);
      expect((await store.actions.findByRef('demo.a'))?.updated).toBe(before?.updated);
    });

    it('keeps API-made rules and the operator’s enabled choice across a pack reload', async () => {
      const pack = await store.packs.upsert(META, '/p');
      await store.rules.replaceForPack(pack.id, [rule('demo.file')]);
      await store.rules.create(rule('demo.mine', { origin: 'api' }), pack.id);
      await store.rules.setEnabled('demo.file', false);
      await store.rules.replaceForPack(pack.id, [rule('demo.file', { description: 'new' })]);
      const file = await store.rules.findByRef('demo.file');
      expect(file).toMatchObject({ enabled: false, description: 'new' });
      expect(await store.rules.findByRef('demo.mine')).toBeDefined();
      expect(await store.rules.create(rule('demo.mine', { origin: 'api' }), pack.id)).toBeUndefined();
    });

    it('writes at most one enforcement per rule and event', async () => {
      const event = await store.events.create({ triggerRef: 'core.webhook', payload: { a: 1 }, source: 'test' });
      const input = { ruleId: ruleId(1), ruleRef: 'demo.r', eventId: event.id, status: 'scheduled' as const };
      expect(await store.events.createEnforcement(input)).toBeDefined();
      expect(await store.events.createEnforcement(input)).toBeUndefined();
      expect((await store.events.listEnforcements({ limit: 10, offset: 0, eventId: event.id })).total).toBe(1);
    });

    it('marks an event processed once and finds the ones left unprocessed', async () => {
      const a = await store.events.create({ triggerRef: 't.a', payload: {}, source: 'test' });
      const b = await store.events.create({ triggerRef: 't.a', payload: {}, source: 'test', ruleRef: 'demo.r' });
      expect(await store.events.markProcessed(a.id)).toBe(true);
      expect(await store.events.markProcessed(a.id)).toBe(false);
      const future = new Date(Date.now() + 60_000).toISOString();
      expect((await store.events.findUnprocessed(future, 10)).map((e) => e.id)).toEqual([b.id]);
      expect(await store.events.existsFor('t.a', 'demo.r')).toBe(true);
      expect(await store.events.existsFor('t.a', 'demo.other')).toBe(false);
    });

    it('rolls a transaction back whole when it throws', async () => {
      await expect(
        store.transaction(async (tx) => {
          await tx.packs.upsert(META, '/p');
          throw new Error('boom');
        }),
      ).rejects.toThrow('boom');
      expect(await store.packs.findByRef('demo')).toBeUndefined();
    });
  });
}
