import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import type { Store } from '../store/index.js';
import { exportStore } from './export-store.js';
import { importStore } from './import-store.js';

const META = { ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} };

describe('importStore', () => {
  let dir: string;
  let source: Store;
  let target: Store;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-import-'));
    source = await openSqliteStore(path.join(dir, 'source.db'));
    target = await openSqliteStore(path.join(dir, 'target.db'));
  });
  afterEach(async () => {
    await source.close();
    await target.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The export of `store` as JSON text lines, header time fixed so two exports compare. */
  const exportLines = async (store: Store): Promise<string[]> => {
    const lines: string[] = [];
    for await (const line of exportStore(store, 'test', new Date('2030-01-01T00:00:00Z'))) lines.push(JSON.stringify(line));
    return lines;
  };
  const fill = async () => {
    const pack = await source.packs.upsert(META, '/opt/packs/demo');
    await source.permissionSets.create({ ref: 'ops', description: 'operators', grants: [{ resource: 'rules', actions: ['read'] }] });
    const ann = await source.identities.create({ login: 'ann', displayName: 'Ann', kind: 'user', passwordHash: 'scrypt$hash' });
    await source.identities.grant(ann!.id, 'ops');
    await source.apiTokens.create({ kind: 'integration', hash: 'keyed-hash', identityId: ann!.id, label: 'ci' });
    const rule = await source.rules.create({ ref: 'demo.r', packRef: 'demo', label: 'r', description: '', triggerRef: 'core.webhook', triggerParams: {}, conditions: [], actionRef: 'demo.a', actionParams: {}, enabled: true, origin: 'api', permissionSet: null }, pack.id);
    await source.keys.put({ scope: 'system', owner: '', name: 'token', value: { $secret: 'v1.a.b.c' }, secret: true, createdBy: 'ann' });
    const event = await source.events.create({ triggerRef: 'core.webhook', payload: { i: 1 }, source: 'api', ruleRef: null });
    const enforcement = await source.events.createEnforcement({ ruleId: rule!.id, ruleRef: 'demo.r', eventId: event.id, status: 'scheduled' });
    const execution = await source.executions.create({ actionRef: 'demo.a', parameters: { n: 1 }, ruleId: rule!.id, ruleRef: 'demo.r', enforcementId: enforcement!.id, eventId: event.id });
    await source.events.linkExecution(enforcement!.id, execution.id);
    await source.workflows.create({ executionId: execution.id, actionRef: 'demo.a', state: { vars: { a: 1 } } });
  };
  const lines = async function* (texts: readonly string[]) {
    yield* texts;
  };

  it('writes back every record as exported: exporting the imported store gives the same lines', async () => {
    await fill();
    const exported = await exportLines(source);
    const counts = await importStore(target, lines(exported));
    expect(counts).toMatchObject({ pack: 1, identity: 1, rule: 1, key: 1, event: 1, enforcement: 1, execution: 1, workflow_state: 1, api_token: 1 });
    expect(await exportLines(target)).toEqual(exported);
    expect((await target.identities.findByLogin('ann'))?.permissionSets).toEqual(['ops']);
  });

  it('refuses a cut-off file, a wrong header, a newer version or a wrong count, writing nothing', async () => {
    await fill();
    const exported = await exportLines(source);
    const end = JSON.parse(exported.at(-1)!) as { counts: Record<string, number> };
    const cases: Array<[string[], RegExp]> = [
      [exported.slice(0, -2), /no end line after \d+ records: it was cut off/],
      [exported.slice(1), /does not start with an attune-export header/],
      [[exported[0]!.replace('"version":1', '"version":2'), ...exported.slice(1)], /format version 2/],
      [[...exported.slice(0, -1), JSON.stringify({ ...end, counts: { ...end.counts, event: 5 } })], /event: 1 read, 5 in the end line/],
      [[...exported.slice(0, 3), '{"kind":"pa', ...exported.slice(3)], /line 4 is not JSON/],
    ];
    for (const [file, message] of cases) {
      await expect(importStore(target, lines(file))).rejects.toMatchObject({ code: 'ERR_IMPORT_INVALID', message: expect.stringMatching(message) });
      expect(await target.restore.isEmpty()).toBe(true);
    }
  });

  it('refuses a database that holds anything', async () => {
    await fill();
    const exported = await exportLines(source);
    await target.identities.create({ login: 'admin', displayName: 'Admin', kind: 'user', passwordHash: null });
    await expect(importStore(target, lines(exported))).rejects.toMatchObject({ code: 'ERR_IMPORT_NOT_EMPTY' });
    expect(await target.packs.listAll()).toEqual([]);
  });
});
