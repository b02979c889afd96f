import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../domain/index.js';
import { describeError } from './report-error.js';
import { parseRuleFile, readRuleFile } from './rule-file.js';

const TICK = `ref: examples.my_tick
description: every second
trigger_ref: core.intervaltimer
trigger_params:
  unit: seconds
  interval: 1
conditions: event.payload.execution_count > 2
action_ref: core.echo
action_params:
  message: "tick {{ event.payload.execution_count }}"
enabled: false
`;

async function usageError(run: () => Promise<unknown>): Promise<AppError> {
  try {
    await run();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error('expected an AppError');
}

describe('parseRuleFile', () => {
  it('turns a rule file into the API body, keeping every key and its type', async () => {
    expect(await parseRuleFile('tick.yaml', TICK)).toEqual({
      ref: 'examples.my_tick',
      description: 'every second',
      trigger_ref: 'core.intervaltimer',
      trigger_params: { unit: 'seconds', interval: 1 },
      conditions: 'event.payload.execution_count > 2',
      action_ref: 'core.echo',
      action_params: { message: 'tick {{ event.payload.execution_count }}' },
      enabled: false,
    });
  });

  it('keeps a list of conditions as a list', async () => {
    const body = await parseRuleFile('r.yaml', 'ref: p.r\ntrigger_ref: t.t\naction_ref: a.a\nconditions:\n  - "true"\n  - event.id > 0\n');
    expect(body.conditions).toEqual(['true', 'event.id > 0']);
  });

  it('completes a pack-style file with name but no ref from --pack, and drops name', async () => {
    const body = await parseRuleFile('r.yaml', 'name: tick\ntrigger_ref: t.t\naction_ref: a.a\n', { pack: 'examples' });
    expect(body).toEqual({ ref: 'examples.tick', trigger_ref: 't.t', action_ref: 'a.a' });
  });

  it('asks for a ref or --pack when the file only has a name', async () => {
    const error = await usageError(() => parseRuleFile('r.yaml', 'name: tick\ntrigger_ref: t.t\naction_ref: a.a\n'));
    expect(error.code).toBe('ERR_CLI_USAGE');
    expect(error.message).toBe('r.yaml:1:7: the file has a name but no ref; add "ref: <pack>.tick" or pass --pack <pack>');
  });

  it('rejects a name that disagrees with the ref, and a ref outside --pack', async () => {
    const mismatch = await usageError(() => parseRuleFile('r.yaml', 'ref: p.one\nname: two\ntrigger_ref: t.t\naction_ref: a.a\n'));
    expect(mismatch.message).toBe('r.yaml:2:7: name "two" does not match ref "p.one"');
    const otherPack = await usageError(() => parseRuleFile('r.yaml', 'ref: p.one\ntrigger_ref: t.t\naction_ref: a.a\n', { pack: 'q' }));
    expect(otherPack.message).toContain('not in pack "q"');
  });

  it('names file:line:col for a YAML syntax error, as a usage error (exit 2)', async () => {
    const error = await usageError(() => parseRuleFile('bad.yaml', 'ref: p.r\ntrigger_ref: [core.webhook\naction_ref: core.echo\n'));
    expect(error.code).toBe('ERR_CLI_USAGE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/^bad\.yaml:\d+:\d+: invalid YAML: /);
    expect(error.message).not.toContain('\n');
  });

  it('points at the line and column of a bad indentation', async () => {
    const error = await usageError(() => parseRuleFile('bad.yaml', 'ref: p.r\naction_params:\n  message: a\n    b: c\n'));
    expect(error.message).toBe('bad.yaml:3:12: invalid YAML: Nested mappings are not allowed in compact mappings');
  });

  it('lists further YAML errors as details, one per line', async () => {
    const error = await usageError(() => parseRuleFile('bad.yaml', 'a: 1\na: 2\nb: [\n'));
    expect(describeError(error)).toEqual({
      lines: [
        'ERR_CLI_USAGE: bad.yaml:2:1: invalid YAML: Map keys must be unique',
        '  bad.yaml:4:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
      ],
      exitCode: 2,
    });
  });

  it('names an unknown key with its position and the keys a rule has', async () => {
    const error = await usageError(() => parseRuleFile('r.yaml', 'ref: p.r\ntrigger_ref: t.t\n  \naction: a.a\n'));
    expect(error.message).toMatch(/^r\.yaml:4:1: unknown key "action"; a rule has ref, name, label, description, trigger_ref/);
  });

  it('requires trigger_ref and action_ref', async () => {
    expect((await usageError(() => parseRuleFile('r.yaml', 'ref: p.r\naction_ref: a.a\n'))).message).toBe('r.yaml: "trigger_ref" is required');
    expect((await usageError(() => parseRuleFile('r.yaml', 'ref: p.r\ntrigger_ref: t.t\n'))).message).toBe('r.yaml: "action_ref" is required');
  });

  it('rejects an empty file and a document that is not a mapping', async () => {
    expect((await usageError(() => parseRuleFile('r.yaml', '# nothing\n'))).message).toMatch(/^r\.yaml: the file is empty/);
    expect((await usageError(() => parseRuleFile('r.yaml', '- a\n- b\n'))).message).toMatch(/^r\.yaml:1:1: expected a mapping/);
  });

  it('leaves value types to the API, which validates rules whole', async () => {
    const body = await parseRuleFile('r.yaml', 'ref: p.r\ntrigger_ref: t.t\naction_ref: a.a\nenabled: "yes"\n');
    expect(body.enabled).toBe('yes');
  });

  it('refuses a YAML alias bomb instead of expanding it', async () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 8; i++) levels.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(10).fill(`*${'abcdefgh'[i - 1]}`).join(',')}]`);
    const error = await usageError(() => parseRuleFile('bomb.yaml', levels.join('\n')));
    expect(error.code).toBe('ERR_CLI_USAGE');
  });
});

describe('readRuleFile', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'attune-rule-file-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a file from disk', async () => {
    const file = path.join(dir, 'tick.yaml');
    await writeFile(file, TICK);
    expect((await readRuleFile(file)).ref).toBe('examples.my_tick');
  });

  it('reads stdin for "-" and calls it <stdin> in messages', async () => {
    expect((await readRuleFile('-', {}, () => Promise.resolve(TICK))).ref).toBe('examples.my_tick');
    const error = await usageError(() => readRuleFile('-', {}, () => Promise.resolve('ref: [\n')));
    expect(error.message).toMatch(/^<stdin>:\d+:\d+: invalid YAML/);
  });

  it('says so when the file does not exist', async () => {
    const missing = path.join(dir, 'missing.yaml');
    const error = await usageError(() => readRuleFile(missing));
    expect(error.code).toBe('ERR_CLI_USAGE');
    expect(error.message).toBe(`cannot read rule file "${missing}": no such file`);
  });
});
