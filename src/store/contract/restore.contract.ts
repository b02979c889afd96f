import { expect, it } from 'vitest';
import { enforcementId, eventId, executionId, identityId, packId, ruleId } from '../../domain/index.js';
import type { RestoredRecord } from '../store-types.js';
import type { CurrentStore } from './fixtures.contract.js';
import { rule } from './fixtures.contract.js';

const T1 = '2020-01-02T03:04:05.000Z';
const T2 = '2020-01-02T03:05:00.000Z';

/** What another database held: ids far above 1, timestamps long past, records referring to each other. */
const RECORDS: readonly RestoredRecord[] = [
  {
    kind: 'pack',
    data: { id: packId(7), ref: 'demo', label: 'Demo', description: 'd', version: '1.0.0', author: 'a', path: '/opt/packs/demo', confSchema: {}, config: { x: 1 }, created: T1, updated: T2 },
  },
  { kind: 'permission_set', data: { ref: 'ops', description: 'operators', grants: [{ resource: 'rules', actions: ['read'] }], builtin: false, created: T1, updated: T1 } },
  {
    kind: 'identity',
    data: { id: identityId(40), login: 'ann', displayName: 'Ann', kind: 'user', disabled: false, permissionSets: ['ops'], created: T1, updated: T2, passwordHash: 'scrypt$hash' },
  },
  { kind: 'rule', data: { ...rule('demo.r'), id: ruleId(12), created: T1, updated: T2 } },
  { kind: 'key', data: { id: 3, scope: 'system', owner: '', name: 'token', value: { $secret: 'v1.a.b.c' }, secret: true, createdBy: 'ann', created: T1, updated: T1 } },
  { kind: 'event', data: { id: eventId(90), triggerRef: 'core.webhook', payload: { n: 1 }, source: 'api', ruleRef: null, processedAt: T2, created: T1 } },
  {
    kind: 'enforcement',
    data: { id: enforcementId(30), ruleId: ruleId(12), ruleRef: 'demo.r', eventId: eventId(90), status: 'scheduled', executionId: executionId(55), failure: null, created: T1, updated: T2 },
  },
  {
    kind: 'execution',
    data: {
      id: executionId(55),
      actionRef: 'demo.a',
      status: 'succeeded',
      parameters: { n: 1 },
      timeoutSeconds: 60,
      result: { exitCode: 0, stdout: 'ok', stderr: '' },
      ruleId: ruleId(12),
      ruleRef: 'demo.r',
      enforcementId: enforcementId(30),
      eventId: eventId(90),
      parentId: null,
      taskName: null,
      taskIndex: null,
      rerunOf: null,
      workerId: 'w1',
      process: null,
      attempt: 1,
      created: T1,
      updated: T2,
      startedAt: T1,
      finishedAt: T2,
      requestedBy: null,
      secretParameters: [],
    },
  },
  { kind: 'workflow_state', data: { executionId: executionId(55), actionRef: 'demo.a', state: { vars: {} }, version: 3, active: false, dueAt: null, created: T1, updated: T2 } },
  {
    kind: 'api_token',
    data: { id: 8, kind: 'execution', hash: 'keyed-hash', identityId: 40, label: 'run 55', permissionSet: 'ops', executionId: 55, expiresAt: T2, revokedAt: null, lastUsedAt: T1, created: T1 },
  },
] as unknown as readonly RestoredRecord[];

/** Records written back as another database held them (`attune import`). */
export function restoreContract(current: CurrentStore): void {
  it('writes records back with their ids, timestamps and links, only counted empty before', async () => {
    const store = current();
    expect(await store.restore.isEmpty()).toBe(true);
    await store.transaction(async (tx) => {
      for (const record of RECORDS) await tx.restore.insert(record);
      await tx.restore.syncIdSequences();
    });
    expect(await store.restore.isEmpty()).toBe(false);
    for (const record of RECORDS) {
      const { kind, data } = record;
      const read = await readBack(kind, data as never);
      expect(read, kind).toEqual(kind === 'identity' ? { identity: omit(data, 'passwordHash'), passwordHash: 'scrypt$hash' } : data);
    }
  });

  it('gives rows made after a restore new ids above the restored ones', async () => {
    const store = current();
    for (const record of RECORDS.slice(0, 8)) await store.restore.insert(record);
    await store.restore.syncIdSequences();
    expect((await store.events.create({ triggerRef: 'core.webhook', payload: {}, source: 'api', ruleRef: null })).id).toBe(91);
    expect((await store.executions.create({ actionRef: 'demo.a', parameters: {} })).id).toBe(56);
    expect((await store.rules.create(rule('demo.other'), packId(7)))?.id).toBe(13);
    expect((await store.identities.create({ login: 'bob', displayName: 'Bob', kind: 'user', passwordHash: null }))?.id).toBe(41);
    expect((await store.keys.put({ scope: 'system', owner: '', name: 'k2', value: 1, secret: false, createdBy: null })).key.id).toBe(4);
    await store.restore.insert(RECORDS.at(-1)!);
    await store.restore.syncIdSequences();
    expect((await store.apiTokens.create({ kind: 'integration', hash: 'h2', identityId: identityId(40), label: 'new' })).id).toBe(9);
    expect((await store.apiTokens.listStored({ limit: 1, offset: 1 })).items.map((token) => [token.id, token.hash])).toEqual([[9, 'h2']]);
  });

  async function readBack(kind: RestoredRecord['kind'], data: { id: number; ref: string; login: string; executionId: number; name: string }): Promise<unknown> {
    const store = current();
    switch (kind) {
      case 'pack':
        return store.packs.findByRef(data.ref);
      case 'permission_set':
        return store.permissionSets.findByRef(data.ref);
      case 'identity':
        return store.identities.findCredentials(data.login);
      case 'rule':
        return store.rules.findByRef(data.ref);
      case 'key':
        return store.keys.get({ scope: 'system', owner: '', name: data.name });
      case 'event':
        return store.events.get(eventId(data.id));
      case 'enforcement':
        return (await store.events.listEnforcements({ limit: 10, offset: 0 })).items[0];
      case 'execution':
        return store.executions.get(executionId(data.id));
      case 'workflow_state':
        return store.workflows.get(executionId(data.executionId));
      case 'api_token':
        return (await store.apiTokens.listStored({ limit: 10, offset: 0 })).items[0];
    }
  }
}

function omit<T extends object>(value: T, key: string): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== key)) as Partial<T>;
}
