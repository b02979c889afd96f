import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import type { RuleInput, Store } from '../store/index.js';
import { type ExportLine, exportStore } from './export-store.js';

const META = { ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} };
const RULE: RuleInput = {
  ref: 'demo.r',
  packRef: 'demo',
  label: 'r',
  description: '',
  triggerRef: 'core.webhook',
  triggerParams: {},
  conditions: [],
  actionRef: 'demo.a',
  actionParams: {},
  enabled: true,
  origin: 'api',
  permissionSet: null,
};

describe('exportStore', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-export-'));
    store = await openSqliteStore(path.join(dir, 'attune.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const collect = async (): Promise<ExportLine[]> => {
    const lines: ExportLine[] = [];
    for await (const line of exportStore(store, 'sqlite:test', new Date('2030-01-01T00:00:00Z'))) lines.push(JSON.parse(JSON.stringify(line)) as ExportLine);
    return lines;
  };

  it('writes a header, every record kind in order with history oldest first, and the counts at the end', async () => {
    const pack = await store.packs.upsert(META, '/opt/packs/demo');
    const created = await store.rules.create(RULE, pack.id);
    await store.permissionSets.create({ ref: 'ops', description: 'operators', grants: [] });
    await store.identities.create({ login: 'ann', displayName: 'Ann', kind: 'user', passwordHash: 'scrypt$hash' });
    await store.keys.put({ scope: 'system', owner: '', name: 'token', value: { $secret: 'v1.a.b.c' }, secret: true, createdBy: 'ann' });
    const events = [];
    for (let i = 0; i < 3; i++) events.push(await store.events.create({ triggerRef: 'core.webhook', payload: { i }, source: 'api', ruleRef: null }));
    await store.events.createEnforcement({ ruleId: created!.id, ruleRef: 'demo.r', eventId: events[1]!.id, status: 'scheduled' });
    await store.executions.create({ actionRef: 'demo.a', parameters: { n: 1 } });

    const lines = await collect();
    expect(lines[0]).toEqual({ kind: 'header', format: 'attune-export', version: 1, exported_at: '2030-01-01T00:00:00.000Z', source: 'sqlite:test' });
    const kinds = lines.slice(1, -1).map((line) => line.kind);
    expect(kinds.filter((kind, i) => kinds[i - 1] !== kind)).toEqual(['pack', 'permission_set', 'identity', 'rule', 'key', 'event', 'enforcement', 'execution']);
    const of = (kind: string) => lines.filter((line) => line.kind === kind).map((line) => (line as { data: Record<string, unknown> }).data);
    expect(of('pack')).toEqual([expect.objectContaining({ ref: 'demo', path: '/opt/packs/demo' })]);
    expect(of('identity')).toEqual([expect.objectContaining({ login: 'ann', passwordHash: 'scrypt$hash' })]);
    expect(of('key')).toEqual([expect.objectContaining({ name: 'token', value: { $secret: 'v1.a.b.c' }, secret: true })]);
    expect(of('event').map((event) => event.payload)).toEqual([{ i: 0 }, { i: 1 }, { i: 2 }]);
    expect(of('enforcement')).toEqual([expect.objectContaining({ ruleRef: 'demo.r', eventId: events[1]!.id })]);
    expect(lines.at(-1)).toEqual({
      kind: 'end',
      counts: { pack: 1, permission_set: 1, identity: 1, rule: 1, key: 1, event: 3, enforcement: 1, execution: 1, workflow_state: 0, api_token: 0 },
    });
  });

  it('reads history of more than one page in full, oldest first', async () => {
    for (let i = 0; i < 1203; i++) await store.events.create({ triggerRef: 'core.webhook', payload: { i }, source: 'api', ruleRef: null });
    const payloads = (await collect()).filter((line) => line.kind === 'event').map((line) => (line as { data: { payload: { i: number } } }).data.payload.i);
    expect(payloads).toEqual(Array.from({ length: 1203 }, (_, i) => i));
  });
});
