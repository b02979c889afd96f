import { describe, expect, it } from 'vitest';
import { MAX_JSON_DEPTH } from '../domain/index.js';
import { parseSensorLine } from './sensor-lines.js';

const ctx = { triggerTypes: new Set(['core.timer']), instanceIds: new Set([1, 2]) };

describe('parseSensorLine', () => {
  it('uses payload when present, else the whole object', () => {
    expect(parseSensorLine('{"trigger_ref":"core.timer","trigger_instance_id":2,"payload":null}', ctx)).toEqual({
      kind: 'emission',
      emission: { triggerRef: 'core.timer', triggerInstanceId: 2, payload: null },
    });
    expect(parseSensorLine('{"trigger_ref":"core.timer","n":1}', ctx)).toEqual({
      kind: 'emission',
      emission: { triggerRef: 'core.timer', triggerInstanceId: null, payload: { trigger_ref: 'core.timer', n: 1 } },
    });
  });

  it.each([
    ['{oops', 'not JSON: {oops'],
    ['"text"', 'not a JSON object'],
    ['[]', 'not a JSON object'],
    ['{"n":1}', 'missing trigger_ref'],
    ['{"trigger_ref":"core.other"}', 'trigger core.other is not served by this sensor'],
    ['{"trigger_ref":"core.timer","trigger_instance_id":"1"}', 'trigger_instance_id is not an integer'],
    ['{"trigger_ref":"core.timer","trigger_instance_id":9}', 'trigger_instance_id 9 is not a current trigger instance'],
  ])('rejects %s', (line, reason) => {
    const parsed = parseSensorLine(line, ctx);
    expect(parsed.kind).toBe('rejected');
    expect(parsed.kind === 'rejected' && parsed.reason.startsWith(reason)).toBe(true);
  });

  it('rejects a number JSON cannot store instead of storing it as null', () => {
    const parsed = parseSensorLine('{"trigger_ref":"core.timer","payload":{"big":1e400}}', ctx);
    expect(parsed).toMatchObject({ kind: 'rejected' });
    expect(parsed.kind === 'rejected' && parsed.reason).toMatch(/^the line\.payload\.big is not a finite number/);
  });

  it('rejects a line nested deeper than MAX_JSON_DEPTH and accepts one at the limit', () => {
    const nested = (depth: number) => `{"trigger_ref":"core.timer","payload":${'['.repeat(depth - 1)}${']'.repeat(depth - 1)}}`;
    expect(parseSensorLine(nested(MAX_JSON_DEPTH), ctx).kind).toBe('emission');
    const parsed = parseSensorLine(nested(MAX_JSON_DEPTH + 1), ctx);
    expect(parsed.kind === 'rejected' && parsed.reason).toMatch(/^the line nests deeper than 128 levels/);
    expect(parseSensorLine(nested(100_000), ctx).kind).toBe('rejected');
  });

  it('ignores blank lines and quotes at most 200 characters', () => {
    expect(parseSensorLine('   ', ctx)).toEqual({ kind: 'blank' });
    const parsed = parseSensorLine('x'.repeat(500), ctx);
    expect(parsed.kind === 'rejected' && parsed.reason).toBe(`not JSON: ${'x'.repeat(200)}…`);
  });
});
