import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InProcessBus } from '../bus/index.js';
import { AppError } from '../domain/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { RuleService } from '../rules/index.js';
import { SecretBox } from '../secrets/index.js';
import { openStore, sqliteDialect, type Store } from '../store/index.js';
import { EventIngest } from './event-ingest.js';

const CORE = path.resolve(import.meta.dirname, '../../packs/core');
const log = pino({ level: 'silent' });

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
}

describe('EventIngest on SQLite, for events clients send', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let ingest: EventIngest;
  let rules: RuleService;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-ingest-'));
    store = await openStore(sqliteDialect(':memory:'));
    bus = new InProcessBus({ maxAttempts: 1 });
    const catalog = new PackCatalog({ store, bus });
    const secrets = SecretBox.forHome(dir);
    await new PackRegistry({ store, bus, log, catalog, secrets }).register(CORE);
    ingest = new EventIngest({ store, bus, log, catalog });
    rules = new RuleService({ store, bus, log, secrets });
  });
  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an event naming a rule that is missing or uses another trigger, and stores nothing', async () => {
    await rules.create({ ref: 'core.hook', trigger_ref: 'core.webhook', trigger_params: { url: 'deploy' }, action_ref: 'core.noop' });
    expect(await codeOf(ingest.emitFromClient({ triggerRef: 'core.alert', payload: {}, ruleRef: 'core.hook' }))).toBe('ERR_EVENT_INVALID');
    expect(await codeOf(ingest.emitFromClient({ triggerRef: 'core.webhook', payload: {}, ruleRef: 'core.missing' }))).toBe('ERR_EVENT_INVALID');
    expect((await store.events.list({ limit: 10, offset: 0 })).total).toBe(0);
    const event = await ingest.emitFromClient({ triggerRef: 'core.webhook', payload: { a: 1 }, ruleRef: 'core.hook' });
    expect(event).toMatchObject({ triggerRef: 'core.webhook', payload: { a: 1 }, source: 'api', ruleRef: 'core.hook' });
  });

  it('stores a batch in order and announces each event, or stores none of it when one names an unknown trigger', async () => {
    const announced: number[] = [];
    await bus.consume('test.events', ['event.created'], async (d) => {
      announced.push(d.body.eventId);
    });
    const batch = [1, 2, 3].map((n) => ({ triggerRef: 'core.alert', payload: { n }, source: 'test', ruleRef: null }));
    expect(await codeOf(ingest.emitMany([...batch, { ...batch[0]!, triggerRef: 'nope.missing' }]))).toBe('ERR_EVENT_INVALID');
    expect((await store.events.list({ limit: 10, offset: 0 })).total).toBe(0);
    const events = await ingest.emitMany(batch);
    expect(events.map((e) => e.payload)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((a, b) => a - b));
    await expect.poll(() => announced).toEqual(events.map((e) => e.id));
  });

  it('refuses a second event of a one-shot trigger for the same rule instead of dropping it silently', async () => {
    await rules.create({ ref: 'core.once', trigger_ref: 'core.datetimetimer', trigger_params: { fire_at: '2030-01-01T00:00:00Z' }, action_ref: 'core.noop' });
    await ingest.emitFromClient({ triggerRef: 'core.datetimetimer', payload: {}, ruleRef: 'core.once' });
    expect(await codeOf(ingest.emitFromClient({ triggerRef: 'core.datetimetimer', payload: {}, ruleRef: 'core.once' }))).toBe('ERR_EVENT_INVALID');
    expect((await store.events.list({ limit: 10, offset: 0 })).total).toBe(1);
  });

  it('stores one webhook event per enabled rule listening on the name, each targeting its rule', async () => {
    const hook = (ref: string, url: string, enabled = true) =>
      rules.create({ ref, trigger_ref: 'core.webhook', trigger_params: { url }, action_ref: 'core.noop', enabled });
    await hook('core.a', 'deploy');
    await hook('core.b', 'deploy');
    await hook('core.off', 'deploy', false);
    await hook('core.other', 'build');
    const payload = { url: 'deploy', body: { sha: 'abc' }, headers: {} };
    const events = await ingest.emitWebhook('deploy', payload);
    expect(events.map((e) => e.ruleRef).sort()).toEqual(['core.a', 'core.b']);
    expect(events.every((e) => e.triggerRef === 'core.webhook' && e.source === 'webhook:deploy')).toBe(true);
    expect(events[0]?.payload).toEqual(payload);
    expect(await codeOf(ingest.emitWebhook('nobody', payload))).toBe('ERR_WEBHOOK_NOT_FOUND');
  });
});
