import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import type { RuleInput, Store } from '../store/index.js';
import { logMissedTimerFires } from './missed-timer-fires.js';

const RULE: RuleInput = {
  ref: 'demo.tick',
  packRef: 'demo',
  label: 'tick',
  description: '',
  triggerRef: 'core.intervaltimer',
  triggerParams: { unit: 'seconds', interval: 1 },
  conditions: [],
  actionRef: 'core.noop',
  actionParams: {},
  enabled: true,
  origin: 'api',
  permissionSet: null,
};

describe('logMissedTimerFires', () => {
  let dir: string;
  let store: Store;
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) });
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-missed-'));
    store = await openSqliteStore(path.join(dir, 'attune.db'));
    lines.length = 0;
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs the instants after the rule’s last fire up to the takeover, on the rule’s grid', async () => {
    const pack = await store.packs.upsert({ ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} }, '/p');
    const rule = await store.rules.create(RULE, pack.id);
    const anchor = Date.parse(rule!.updated);
    const at = (s: number) => new Date(anchor + s * 1000).toISOString();
    await store.events.create({ triggerRef: 'core.intervaltimer', payload: { scheduled_at: at(3), fired_at: at(3) }, source: 'core.interval_timer_sensor', ruleRef: 'demo.tick' });
    await logMissedTimerFires(store, log, anchor + 7500);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'timer instants skipped while no sensor service ran them', ruleRef: 'demo.tick', skipped: 4, first: at(4), last: at(7) }),
    ]);
  });

  it('logs nothing when no instant fell in the gap', async () => {
    const pack = await store.packs.upsert({ ref: 'demo', label: 'Demo', description: '', version: '1.0.0', author: '', confSchema: {}, config: {} }, '/p');
    const rule = await store.rules.create(RULE, pack.id);
    await logMissedTimerFires(store, log, Date.parse(rule!.updated) + 900);
    expect(lines).toEqual([]);
  });
});
