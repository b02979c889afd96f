import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, expect, it } from 'vitest';
import { openLimitedSqliteStore, PAGES_OF_TEXT } from '../../test/support/limited-sqlite-store.js';
import { until, waitFor } from '../../test/support/wait.js';
import { InProcessBus } from '../bus/index.js';
import { AppError } from '../domain/index.js';
import { ExecutionRequests } from '../executor/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { AuditLog } from '../auth/index.js';
import { KeyService, SecretBox } from '../secrets/index.js';
import { EventIngest } from '../sensors/index.js';
import { RuleEngine } from './rule-engine.js';
import { RuleService } from './rule-service.js';

const CORE = path.resolve(import.meta.dirname, '../../packs/core');
const log = pino({ level: 'silent' });
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

it('RuleEngine leaves an event it could not process on a full disk unprocessed, and the re-drive processes it once space returns', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'attune-rules-full-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  const pack = path.join(dir, 'probe');
  mkdirSync(path.join(pack, 'triggers'), { recursive: true });
  writeFileSync(path.join(pack, 'pack.yaml'), 'ref: probe\nversion: 1.0.0\n');
  writeFileSync(path.join(pack, 'triggers', 'hit.yaml'), 'name: hit\n');
  const limited = await openLimitedSqliteStore(path.join(dir, 'db.sqlite'));
  const { store } = limited;
  const bus = new InProcessBus({ maxAttempts: 2, retryDelayMs: 10 });
  cleanups.push(() => store.close(), () => bus.close());
  const catalog = new PackCatalog({ store, bus });
  const secrets = SecretBox.forHome(dir);
  const registry = new PackRegistry({ store, bus, log, catalog, secrets });
  await registry.register(CORE);
  await registry.register(pack);
  const executions = new ExecutionRequests({ store, bus, log, catalog, secrets });
  const keys = new KeyService({ store, secrets, audit: new AuditLog({ store, log }) });
  const engine = new RuleEngine({ store, bus, log, executions, catalog, secrets, keys, config: { redrive_after_ms: 10_000, supervisor_interval_ms: 60_000, workflow_tick_ms: 60_000 }, rules: { cost_limit: 1_000_000 } });
  cleanups.push(() => engine.stop());
  // The execution's parameters need new pages: a full database refuses the rule engine's transaction.
  await new RuleService({ store, bus, log, secrets }).create({ ref: 'probe.big', trigger_ref: 'probe.hit', action_ref: 'core.echo', action_params: { message: '{{ event.payload.text }}' } });
  const event = await new EventIngest({ store, bus, log, catalog }).emit({ triggerRef: 'probe.hit', payload: { text: PAGES_OF_TEXT }, source: 'test' });
  if (!event) throw new Error('event not stored');

  limited.fill();
  await engine.start();
  // A re-drive claims what it takes (a write): on a full disk it fails too, and loses nothing.
  await expect(engine.redrive(0)).rejects.toMatchObject({ code: 'ERR_STORAGE_FULL' });
  await bus.publish('event.created', { eventId: event.id, triggerRef: 'probe.hit' });
  await waitFor(() => bus.deadLetters.length > 0); // every delivery failed
  expect(bus.deadLetters[0]?.error).toBeInstanceOf(AppError);
  expect((bus.deadLetters[0]?.error as AppError).code).toBe('ERR_STORAGE_FULL');
  expect((await store.events.get(event.id))?.processedAt).toBeNull();
  expect((await store.executions.list({ limit: 1, offset: 0 })).total).toBe(0);

  limited.free();
  expect(await engine.redrive(0)).toBe(1);
  const { items } = await until(() => store.executions.list({ limit: 1, offset: 0 }), (page) => page.items.length === 1, 10);
  expect(items[0]).toMatchObject({ eventId: event.id, ruleRef: 'probe.big', status: 'requested', parameters: { message: PAGES_OF_TEXT } });
  expect((await store.events.get(event.id))?.processedAt).not.toBeNull();
});
