import { describe, expect, it } from 'vitest';
import { canonicalJson, parseTimerInstances } from './instances.js';

describe('parseTimerInstances', () => {
  it('keeps valid instances and names what is wrong with each invalid one', () => {
    const { instances, errors } = parseTimerInstances([
      { id: 1, ref: 'core.intervaltimer', rule_ref: 'p.r1', config: { unit: 'seconds', interval: 1 } },
      { id: 'x', ref: 'core.intervaltimer', config: {} },
      { id: 3, ref: 'core.webhook', config: {} },
      { id: 4, ref: 'core.crontimer', config: { expression: '* * * * *' } },
      { id: 1, ref: 'core.intervaltimer', config: { interval: 2 } },
      { id: 6, ref: 'core.datetimetimer', config: { fire_at: '2025-01-30T00:00:00Z' }, fired: true },
      'nope',
    ]);
    expect(instances.map((i) => [i.id, i.ref, i.isFired])).toEqual([
      [1, 'core.intervaltimer', false],
      [6, 'core.datetimetimer', true],
    ]);
    expect(errors.map((e) => [e.index, e.message])).toEqual([
      [1, 'id must be a non-negative integer, got "x"'],
      [2, expect.stringContaining('ref must be one of core.intervaltimer, core.crontimer, core.datetimetimer')],
      [3, expect.stringContaining('core.crontimer config: cron expression "* * * * *" has 5 fields')],
      [4, 'duplicate trigger instance id 1'],
      [6, 'trigger instance must be a JSON object'],
    ]);
  });

  it('rejects a list that is not an array', () => {
    expect(parseTimerInstances({}).errors[0]?.message).toBe('trigger instances must be a JSON array');
  });
});

describe('canonicalJson', () => {
  it('ignores key order at every depth', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 1, x: 2 }], c: 2 } })).toBe(canonicalJson({ a: { c: 2, d: [1, { x: 2, y: 1 }] }, b: 1 }));
  });
});
