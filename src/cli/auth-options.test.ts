import { describe, expect, it } from 'vitest';
import { parseGrant } from './commands/permission-set.js';
import { parseDuration } from './commands/token.js';

describe('parseDuration (token create --expires-in)', () => {
  it('reads seconds and s, m, h, d', () => {
    expect([parseDuration('3600'), parseDuration('90m'), parseDuration('12h'), parseDuration('30d'), parseDuration('5s')]).toEqual([3600, 5400, 43_200, 2_592_000, 5]);
  });

  it.each(['', '0', '-1', '1.5h', '10w', 'h', '1e3', '9999999999'])('refuses "%s"', (text) => {
    expect(() => parseDuration(text)).toThrow(expect.objectContaining({ code: 'ERR_CLI_USAGE' }) as Error);
  });
});

describe('parseGrant (permission-set create --grant)', () => {
  it('reads a resource and its actions', () => {
    expect(parseGrant('rules:read,update')).toEqual({ resource: 'rules', actions: ['read', 'update'] });
    expect(parseGrant('*:*')).toEqual({ resource: '*', actions: ['*'] });
  });

  it.each(['rules', 'rules:', ':read', 'rules:read,', 'Rules:read', 'rules:read update'])('refuses "%s"', (text) => {
    expect(() => parseGrant(text)).toThrow(expect.objectContaining({ code: 'ERR_CLI_USAGE' }) as Error);
  });
});
