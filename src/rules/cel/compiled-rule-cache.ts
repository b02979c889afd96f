import { compileRule, type CompiledRule, type RuleExpressions } from './compile-rule.js';

/** The cache key for one version of a rule: its ref plus its `updated` timestamp. */
export function ruleCacheKey(ruleRef: string, updated: string): string {
  return `${ruleRef}@${updated}`;
}

export interface CompiledRuleCacheOptions {
  /** Oldest-used entries are dropped beyond this; old rule versions would otherwise pile up. */
  readonly maxEntries?: number;
}

/**
 * Compiled rules by rule version. A new version gets a new key, so an entry never goes stale;
 * `deleteRule` just frees the old versions early. Compile failures are not cached: the error
 * is thrown to the caller each time.
 */
export class CompiledRuleCache {
  readonly #entries = new Map<string, CompiledRule>();
  readonly #maxEntries: number;

  constructor(options: CompiledRuleCacheOptions = {}) {
    this.#maxEntries = Math.max(1, options.maxEntries ?? 1000);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The compiled rule for `key`, compiling `spec` on a miss. Throws CelError when it does not compile. */
  get(key: string, spec: RuleExpressions): CompiledRule {
    const cached = this.#entries.get(key);
    if (cached) {
      // Re-insert so Map order is least-recently-used first.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const compiled = compileRule(spec);
    this.#entries.set(key, compiled);
    this.#evict();
    return compiled;
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  /** Drops every cached version of a rule (keys made by `ruleCacheKey`); returns how many. */
  deleteRule(ruleRef: string): number {
    const prefix = ruleCacheKey(ruleRef, '');
    let removed = 0;
    for (const key of [...this.#entries.keys()]) {
      if (key.startsWith(prefix) && this.#entries.delete(key)) removed += 1;
    }
    return removed;
  }

  clear(): void {
    this.#entries.clear();
  }

  #evict(): void {
    for (const key of this.#entries.keys()) {
      if (this.#entries.size <= this.#maxEntries) return;
      this.#entries.delete(key);
    }
  }
}
