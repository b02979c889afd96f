import { describe, expect, it } from 'vitest';
import { CelError, CompiledRuleCache, ruleCacheKey } from './index.js';

const spec = { conditions: ['event.payload.n > 1'], actionParams: {} };

describe('CompiledRuleCache', () => {
  it('compiles a rule version once and returns the same compiled rule', () => {
    const cache = new CompiledRuleCache();
    const key = ruleCacheKey('demo.tick', '2025-01-01T00:00:00Z');
    const first = cache.get(key, spec);
    expect(cache.get(key, { conditions: ['this would not compile ((('], actionParams: {} })).toBe(first);
    expect(cache.size).toBe(1);
  });

  it('compiles a new version separately and drops every version of a rule', () => {
    const cache = new CompiledRuleCache();
    cache.get(ruleCacheKey('demo.tick', 'v1'), spec);
    cache.get(ruleCacheKey('demo.tick', 'v2'), spec);
    cache.get(ruleCacheKey('demo.tickle', 'v1'), spec);
    expect(cache.deleteRule('demo.tick')).toBe(2);
    expect(cache.size).toBe(1);
    expect(cache.delete(ruleCacheKey('demo.tickle', 'v1'))).toBe(true);
    expect(cache.size).toBe(0);
  });

  it('does not cache a rule that fails to compile', () => {
    const cache = new CompiledRuleCache();
    const bad = { conditions: ['evnt.x'], actionParams: {} };
    expect(() => cache.get('k', bad)).toThrow(CelError);
    expect(cache.size).toBe(0);
  });

  it('evicts the least recently used entry beyond maxEntries', () => {
    const cache = new CompiledRuleCache({ maxEntries: 2 });
    const a = cache.get('a', spec);
    cache.get('b', spec);
    expect(cache.get('a', spec)).toBe(a);
    cache.get('c', spec);
    expect(cache.size).toBe(2);
    expect(cache.get('a', spec)).toBe(a);
    expect(cache.delete('b')).toBe(false);
  });
});
