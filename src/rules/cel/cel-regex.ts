/**
 * `string.matches(pattern)` on RE2, as the CEL specification says, instead of cel-js's
 * JavaScript RegExp: a backtracking engine takes exponential time on patterns like
 * `^(a+)+$` (28 characters froze the process for 2.7 s), while RE2 (here `re2js`, a pure
 * JavaScript port) runs in time linear in the text. RE2 syntax differs from JavaScript's: no
 * lookahead or lookbehind (`(?=`, `(?<=`), no backreferences (`\1`), but inline flags
 * (`(?i)`), `\A`, `\z`, `\Q…\E`, POSIX classes (`[[:alpha:]]`) and `\pL` work.
 *
 * cel-js offers no way to replace a built-in function, so the checked AST of each expression
 * is patched: every `matches` call gets our handler in place of the library's (see patch()).
 */
import { EvaluationError } from '@marcbachmann/cel-js';
import { RE2JS, RE2JSException } from 're2js';
import type { CelMeter } from './cel-budget.js';

/** Longer patterns are refused: compiling costs time in proportion to the pattern. */
export const MAX_PATTERN_LENGTH = 2048;
/** Compiled patterns kept; a rule's patterns are usually literals, compiled once and reused. */
const CACHE_SIZE = 256;
/** Cost units (see cel-budget.ts) to compile one pattern character, and text characters per unit matched. */
const COMPILE_UNITS_PER_CHAR = 32;
const TEXT_CHARS_PER_UNIT = 8;

/** The shape of cel-js AST nodes this module reads and patches (undocumented, checked by tests). */
interface AstNode {
  readonly op: string;
  readonly args: unknown;
  readonly start?: number;
  handle?: unknown;
}

/** A literal pattern that does not compile, found when the rule is saved. */
export interface PatternIssue {
  readonly summary: string;
  readonly position: number | undefined;
}

function isAstNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { op?: unknown }).op === 'string' && 'args' in value;
}

function celTypeName(value: unknown): string {
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'map' : typeof value;
}

/** The compiled pattern, or why it is refused. */
function compilePattern(pattern: string): RE2JS | string {
  if (pattern.length > MAX_PATTERN_LENGTH) return `regular expression is longer than ${MAX_PATTERN_LENGTH} characters`;
  try {
    return RE2JS.compile(pattern);
  } catch (error) {
    if (!(error instanceof RE2JSException)) throw error;
    return `invalid regular expression (RE2 syntax): ${error.message}`;
  }
}

/** Runs `matches` for every expression of the one CEL environment, charging the meter. */
export class CelRegex {
  readonly #meter: CelMeter;
  /** Least recently used first. */
  readonly #cache = new Map<string, RE2JS>();

  constructor(meter: CelMeter) {
    this.#meter = meter;
  }

  /**
   * Gives every `<string>.matches(<string>)` call in a type-checked AST our handler, and returns
   * the literal patterns that would fail, so a rule is refused at save time rather than failing
   * on every event.
   */
  patch(ast: unknown): PatternIssue[] {
    const issues: PatternIssue[] = [];
    const pending: unknown[] = [ast];
    while (pending.length > 0) {
      const item = pending.pop();
      if (Array.isArray(item)) pending.push(...(item as unknown[]));
      if (!isAstNode(item)) continue;
      pending.push(item.args);
      if (item.op !== 'rcall' || !Array.isArray(item.args) || item.args[0] !== 'matches') continue;
      const node = item;
      node.handle = (values: readonly unknown[]) => this.#matches(values, node);
      const [pattern] = (item.args[2] ?? []) as unknown[];
      if (isAstNode(pattern) && pattern.op === 'value' && typeof pattern.args === 'string') {
        const compiled = compilePattern(pattern.args);
        if (typeof compiled === 'string') issues.push({ summary: compiled, position: pattern.start });
      }
    }
    return issues;
  }

  #matches(values: readonly unknown[], node: AstNode): boolean {
    const [text, pattern] = values;
    if (typeof text !== 'string' || typeof pattern !== 'string') {
      // Reached only through `dyn` values; the static types are checked when the rule is saved.
      throw new EvaluationError(`found no matching overload for '${celTypeName(text)}.matches(${celTypeName(pattern)})'`, node as never);
    }
    const compiled = this.#compile(pattern, node);
    this.#meter.charge(Math.ceil(text.length / TEXT_CHARS_PER_UNIT));
    return compiled.test(text);
  }

  #compile(pattern: string, node: AstNode): RE2JS {
    const cached = this.#cache.get(pattern);
    if (cached) {
      this.#cache.delete(pattern);
      this.#cache.set(pattern, cached);
      return cached;
    }
    // Charged before compiling: the budget stops a pattern too costly to compile, not after it.
    this.#meter.charge(pattern.length * COMPILE_UNITS_PER_CHAR);
    const compiled = compilePattern(pattern);
    if (typeof compiled === 'string') throw new EvaluationError(compiled, node as never);
    this.#cache.set(pattern, compiled);
    for (const key of this.#cache.keys()) {
      if (this.#cache.size <= CACHE_SIZE) break;
      this.#cache.delete(key);
    }
    return compiled;
  }
}
