import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { until } from '../../test/support/wait.js';
import { withSecrets } from '../domain/index.js';
import { InProcessBus } from '../bus/index.js';
import { ExecutionRequests } from '../executor/index.js';
import { PackCatalog, PackRegistry } from '../packs/index.js';
import { AuditLog } from '../auth/index.js';
import { KeyService, SecretBox } from '../secrets/index.js';
import { EventIngest } from '../sensors/index.js';
import { openStore, sqliteDialect, type Store } from '../store/index.js';
import { RuleEngine } from './rule-engine.js';
import { RuleService } from './rule-service.js';

const CORE = path.resolve(import.meta.dirname, '../../packs/core');
const log = pino({ level: 'silent' });

describe('RuleEngine', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;
  let engine: RuleEngine;
  let rules: RuleService;
  let ingest: EventIngest;
  let keys: KeyService;
  let secrets: SecretBox;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-rules-'));
    const pack = path.join(dir, 'probe');
    mkdirSync(path.join(pack, 'triggers'), { recursive: true });
    writeFileSync(path.join(pack, 'pack.yaml'), 'ref: probe\nversion: 1.0.0\n');
    writeFileSync(path.join(pack, 'triggers', 'hit.yaml'), 'name: hit\n');
    store = await openStore(sqliteDialect(path.join(dir, 'db.sqlite')));
    bus = new InProcessBus();
    const catalog = new PackCatalog({ store, bus });
    secrets = SecretBox.forHome(dir);
    const registry = new PackRegistry({ store, bus, log, catalog, secrets });
    await registry.register(CORE);
    await registry.register(pack);
    const executions = new ExecutionRequests({ store, bus, log, catalog, secrets });
    keys = new KeyService({ store, secrets, audit: new AuditLog({ store, log }) });
    engine = new RuleEngine({ store, bus, log, executions, catalog, secrets, keys, config: { redrive_after_ms: 10_000, supervisor_interval_ms: 60_000, workflow_tick_ms: 60_000 }, rules: { cost_limit: 1_000_000 } });
    rules = new RuleService({ store, bus, log, secrets });
    ingest = new EventIngest({ store, bus, log, catalog });
  });

  afterEach(async () => {
    await engine.stop();
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const hit = async (payload: unknown) => {
    const event = await ingest.emit({ triggerRef: 'probe.hit', payload, source: 'test' });
    if (!event) throw new Error('event not stored');
    return event;
  };

  it('names the action in execution.requested, so the executor need not read the row to tell a workflow', async () => {
    const requested: unknown[] = [];
    await bus.consume('test.requested', ['execution.requested'], async (d) => {
      requested.push(d.body);
    });
    await rules.create({ ref: 'probe.a', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    await engine.process(await hit({}));
    const [execution] = (await store.executions.list({ limit: 1, offset: 0 })).items;
    await expect.poll(() => requested).toEqual([{ executionId: execution?.id, actionRef: 'core.noop' }]);
  });

  it('writes one enforcement and one execution per matching rule, even when an event is processed twice', async () => {
    await rules.create({ ref: 'probe.a', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    await rules.create({ ref: 'probe.b', trigger_ref: 'probe.hit', action_ref: 'core.noop', conditions: 'event.payload.n > 1' });
    const event = await hit({ n: 1 });
    await engine.process(event);
    await engine.process(event);
    const executions = await store.executions.list({ limit: 10, offset: 0 });
    expect(executions.items.map((e) => e.ruleRef)).toEqual(['probe.a']);
    expect(executions.items[0]).toMatchObject({ eventId: event.id, status: 'requested' });
    const enforcements = await store.events.listEnforcements({ limit: 10, offset: 0, eventId: event.id });
    expect(enforcements.items).toHaveLength(1);
    expect(enforcements.items[0]).toMatchObject({ ruleRef: 'probe.a', status: 'scheduled', executionId: executions.items[0]?.id });
  });

  it('writes a batch of events in one go: each event’s own enforcements and executions, linked, and none for an event handled already', async () => {
    await rules.create({ ref: 'probe.a', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    await rules.create({ ref: 'probe.b', trigger_ref: 'probe.hit', action_ref: 'core.noop', conditions: 'event.payload.n > 1' });
    await rules.create({ ref: 'probe.c', trigger_ref: 'probe.hit', action_ref: 'core.sleep', action_params: { seconds: '{{ event.payload.s }}' } });
    const early = await hit({ n: 5, s: 1 });
    await engine.process(early);
    const events = [early, await hit({ n: 1, s: 'soon' }), await hit({ n: 2, s: 2 })];
    const published: string[] = [];
    await bus.consume('test.batch', ['execution.requested', 'event.processed'], async (d) => {
      published.push(d.topic === 'event.processed' ? `processed ${d.body.eventId}` : `requested ${d.body.actionRef}`);
    });
    await engine.processMany(events);
    const enforcementsOf = async (id: number) =>
      (await store.events.listEnforcements({ limit: 10, offset: 0, eventId: id as never })).items.map((e) => [e.ruleRef, e.status, e.executionId !== null]).sort();
    expect(await enforcementsOf(early.id)).toHaveLength(3);
    expect(await enforcementsOf(events[1]!.id)).toEqual([
      ['probe.a', 'scheduled', true],
      ['probe.c', 'failed', false],
    ]);
    expect(await enforcementsOf(events[2]!.id)).toEqual([
      ['probe.a', 'scheduled', true],
      ['probe.b', 'scheduled', true],
      ['probe.c', 'scheduled', true],
    ]);
    const executions = (await store.executions.list({ limit: 20, offset: 0 })).items;
    expect(executions).toHaveLength(3 + 1 + 3);
    for (const execution of executions) {
      const [enforcement] = (await store.events.listEnforcements({ limit: 10, offset: 0, eventId: execution.eventId as never })).items.filter(
        (e) => e.ruleRef === execution.ruleRef,
      );
      expect(enforcement?.executionId).toBe(execution.id);
    }
    await expect.poll(() => published).toEqual([
      'requested core.noop',
      `processed ${events[1]!.id}`,
      'requested core.noop',
      'requested core.noop',
      'requested core.sleep',
      `processed ${events[2]!.id}`,
    ]);
  });

  it('records a failed enforcement, and no execution, when the rendered parameters are invalid', async () => {
    await rules.create({ ref: 'probe.sleepy', trigger_ref: 'probe.hit', action_ref: 'core.sleep', action_params: { seconds: '{{ event.payload.s }}' } });
    const event = await hit({ s: 'soon' });
    await engine.process(event);
    const [enforcement] = (await store.events.listEnforcements({ limit: 10, offset: 0, eventId: event.id })).items;
    expect(enforcement).toMatchObject({ status: 'failed', executionId: null });
    expect(enforcement?.failure).toContain('seconds');
    expect((await store.executions.list({ limit: 10, offset: 0 })).total).toBe(0);
  });

  it('only applies the targeted rule to an event that names one', async () => {
    await rules.create({ ref: 'probe.x', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    await rules.create({ ref: 'probe.y', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    const event = await ingest.emit({ triggerRef: 'probe.hit', payload: {}, source: 'test', ruleRef: 'probe.y' });
    if (!event) throw new Error('event not stored');
    await engine.process(event);
    const executions = await store.executions.list({ limit: 10, offset: 0 });
    expect(executions.items.map((e) => e.ruleRef)).toEqual(['probe.y']);
  });

  const putKey = (scope: 'system' | 'pack', owner: string, name: string, value: string) =>
    store.keys.put({ scope, owner, name, value: secrets.seal(value), secret: true, createdBy: null });

  it('reads keystore in conditions and templates, pack keys shadowing system keys, and seals what a key filled', async () => {
    await putKey('system', '', 'greeting', 'system-hello');
    await putKey('pack', 'probe', 'greeting', 'pack-hello');
    await putKey('system', '', 'gate', 'open');
    await rules.create({ ref: 'probe.keyed', trigger_ref: 'probe.hit', conditions: 'keystore.gate == "open"', action_ref: 'core.echo', action_params: { message: '{{ keystore.greeting }} {{ event.payload.n }}' } });
    await rules.create({ ref: 'probe.plain', trigger_ref: 'probe.hit', action_ref: 'core.echo', action_params: { message: 'n={{ event.payload.n }}' } });
    await engine.process(await hit({ n: 7 }));
    const byRule = new Map((await store.executions.list({ limit: 10, offset: 0 })).items.map((e) => [e.ruleRef, e]));
    const keyed = byRule.get('probe.keyed');
    expect(keyed?.secretParameters).toEqual(['message']);
    expect(JSON.stringify(keyed?.parameters)).not.toContain('pack-hello');
    const schema = { message: { type: 'string' } } as const;
    expect(secrets.openParameters(withSecrets(schema, keyed?.secretParameters ?? []), keyed?.parameters ?? {})).toMatchObject({ message: 'pack-hello 7' });
    expect(byRule.get('probe.plain')).toMatchObject({ secretParameters: [], parameters: { message: 'n=7' } });
  });

  it('masks key values in the failure a rule records', async () => {
    await putKey('system', '', 'word', 'not-a-number-4711');
    // CEL quotes the value it failed on in both of these ("No such key: …", "Invalid duration string: …").
    await rules.create({ ref: 'probe.bad', trigger_ref: 'probe.hit', conditions: '{"a": true}[keystore.word]', action_ref: 'core.noop' });
    await rules.create({ ref: 'probe.bad2', trigger_ref: 'probe.hit', action_ref: 'core.sleep', action_params: { seconds: '{{ duration(keystore.word) }}' } });
    const event = await hit({});
    await engine.process(event);
    const failures = (await store.events.listEnforcements({ limit: 10, offset: 0, eventId: event.id })).items.map((e) => e.failure);
    expect(failures).toHaveLength(2);
    for (const failure of failures) {
      expect(failure).toContain('********');
      expect(failure).not.toContain('not-a-number-4711');
    }
  });

  it('re-drives events a crash left unprocessed', async () => {
    await rules.create({ ref: 'probe.a', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    await hit({});
    await hit({});
    await engine.start();
    expect(await engine.redrive(0)).toBe(2); // their messages went nowhere: no consumer was bound yet
    await until(() => store.executions.list({ limit: 1, offset: 0 }), ({ total }) => total === 2, 10);
    expect((await store.events.claimUnprocessed(new Date(Date.now() + 1000).toISOString(), 10)).length).toBe(0);
  });

  it('records a failed enforcement per rule, and marks the event processed, when evaluating overflows the stack', async () => {
    // Deeper than any door accepts now (MAX_JSON_DEPTH), but storable: such events may exist
    // from before the limit. Converting the payload to CEL overflows the stack.
    const deep = JSON.parse(`${'{"a":'.repeat(3000)}1${'}'.repeat(3000)}`) as unknown;
    await rules.create({ ref: 'probe.cond', trigger_ref: 'probe.hit', action_ref: 'core.noop', conditions: 'has(event.payload.a)' });
    await rules.create({ ref: 'probe.plain', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    const event = await hit(deep);
    await engine.process(event);
    const enforcements = await store.events.listEnforcements({ limit: 10, offset: 0, eventId: event.id });
    expect(enforcements.items.map((e) => [e.ruleRef, e.status, e.failure])).toEqual([
      ['probe.plain', 'failed', 'the rule could not be evaluated: Maximum call stack size exceeded'],
      ['probe.cond', 'failed', 'the rule could not be evaluated: Maximum call stack size exceeded'],
    ]);
    expect((await store.events.get(event.id))?.processedAt).not.toBeNull();
    expect((await store.executions.list({ limit: 10, offset: 0 })).total).toBe(0);
  });

  it('records a failed enforcement when a condition exceeds the cost limit', async () => {
    const items = Array.from({ length: 3000 }, (_, i) => i);
    await rules.create({ ref: 'probe.costly', trigger_ref: 'probe.hit', action_ref: 'core.noop', conditions: 'event.payload.items.exists(a, event.payload.items.exists(b, a == b + 10000))' });
    const event = await hit({ items });
    await engine.process(event);
    const [enforcement] = (await store.events.listEnforcements({ limit: 10, offset: 0, eventId: event.id })).items;
    expect(enforcement).toMatchObject({ ruleRef: 'probe.costly', status: 'failed' });
    expect(enforcement?.failure).toMatch(/^conditions\[0\]: .*: Cost limit exceeded: evaluation exceeded its cost limit of 1000000 units/);
  });

  it('gives up on an event whose processing fails every time, instead of re-driving it forever', async () => {
    // Non-catalogue errors from the executor are taken as transient and retried; this one never passes.
    class BrokenRequests extends ExecutionRequests {
      override validateParameters(): Promise<Record<string, unknown>> {
        return Promise.reject(new Error('the catalog is unreadable'));
      }
    }
    const catalog = new PackCatalog({ store, bus });
    const broken = new BrokenRequests({ store, bus, log, catalog, secrets: SecretBox.forHome(dir) });
    const fastBus = new InProcessBus({ retryDelayMs: 1, maxAttempts: 2 });
    const stubborn = new RuleEngine({ store, bus: fastBus, log, executions: broken, catalog, secrets: SecretBox.forHome(dir), keys, config: { redrive_after_ms: 10_000, supervisor_interval_ms: 60_000, workflow_tick_ms: 60_000 }, rules: { cost_limit: 1_000_000 } });
    await rules.create({ ref: 'probe.a', trigger_ref: 'probe.hit', action_ref: 'core.noop' });
    const event = await hit({});
    await stubborn.start();
    try {
      // The event's message went to the other bus: the re-drive publishes it here. Two
      // deliveries fail and it is dead-lettered; re-driven, it fails a third time and is given up.
      expect(await stubborn.redrive(0)).toBe(1);
      for (let seen = 0; (await store.events.get(event.id))?.processedAt === null; ) {
        if (fastBus.deadLetters.length > seen) {
          seen = fastBus.deadLetters.length;
          await stubborn.redrive(0);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      expect(fastBus.deadLetters).toHaveLength(1);
      const [enforcement] = (await store.events.listEnforcements({ limit: 10, offset: 0, eventId: event.id })).items;
      expect(enforcement).toMatchObject({ ruleRef: 'probe.a', status: 'failed', executionId: null });
      expect(enforcement?.failure).toBe('the event could not be processed (3 attempts failed): the catalog is unreadable');
      expect(await stubborn.redrive(0)).toBe(0);
    } finally {
      await stubborn.stop();
      await fastBus.close();
    }
  });
});

describe('secret rule literals', () => {
  let dir: string;
  let store: Store;
  let bus: InProcessBus;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-rules-'));
    store = await openStore(sqliteDialect(path.join(dir, 'db.sqlite')));
    bus = new InProcessBus();
  });

  afterEach(async () => {
    await bus.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores a pack rule literal for a secret parameter sealed, and leaves it untouched when the pack is registered again', async () => {
    const pack = path.join(dir, 'vault');
    for (const folder of ['triggers', 'actions', 'rules']) mkdirSync(path.join(pack, folder), { recursive: true });
    writeFileSync(path.join(pack, 'pack.yaml'), 'ref: vault\nversion: 1.0.0\n');
    writeFileSync(path.join(pack, 'triggers', 'poke.yaml'), 'name: poke\n');
    writeFileSync(path.join(pack, 'actions', 'login.yaml'), 'name: login\nrunner_type: builtin\nentry_point: noop\nparameters:\n  user: {type: string}\n  token: {type: string, secret: true}\n');
    writeFileSync(path.join(pack, 'rules', 'r.yaml'), 'name: r\ntrigger_ref: vault.poke\naction_ref: vault.login\naction_params:\n  user: ann\n  token: s3cr3t-literal\n');
    const registry = new PackRegistry({ store, bus, log, secrets: SecretBox.forHome(dir) });
    await registry.register(pack);
    const first = await store.rules.findByRef('vault.r');
    expect(first?.actionParams.user).toBe('ann');
    expect(JSON.stringify(first?.actionParams)).not.toContain('s3cr3t-literal');
    await registry.register(pack);
    const again = await store.rules.findByRef('vault.r');
    expect(again?.actionParams).toEqual(first?.actionParams);
    expect(again?.updated).toBe(first?.updated);
  });
});
