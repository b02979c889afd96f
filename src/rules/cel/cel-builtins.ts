/**
 * Two cel-js built-ins Attune runs itself.
 *
 * `string.matches(pattern)` runs on RE2, as the CEL specification says, instead of cel-js's
 * JavaScript RegExp: a backtracking engine takes exponential time on patterns like `^(a+)+$`
 * (29 characters froze the process for 2.7 s), while RE2 (here `re2js`, a pure JavaScript port)
 * runs in time linear in the text. RE2 syntax differs from JavaScript's: no lookahead or
 * lookbehind (`(?=`, `(?<=`), no backreferences (`\1`), but inline flags (`(?i)`), `\A`, `\z`,
 * `\Q…\E`, POSIX classes (`[[:alpha:]]`) and `\pL` work.
 *
 * `list.join(separator)` is the one built-in whose result can be far larger than its operands
 * (a thousand copies of a long separator): it is charged for its result before building it.
 *
 * cel-js offers no way to replace a built-in, so the checked AST of each expression is patched:
 * those calls get our handler in place of the library's (see patch()).
 */
import { createRequire } from 'node:module';
import { EvaluationError } from '@marcbachmann/cel-js';
import type { RE2JS } from 're2js';
import { callName, isAstNode, type AstNode } from './cel-ast.js';
import { textUnits } from './cel-budget.js';
import type { CelMeter } from './cel-meter.js';

/** Longer patterns are refused: compiling costs time in proportion to the pattern. */
export const MAX_PATTERN_LENGTH = 2048;
/** Compiled patterns kept; a rule's patterns are usually literals, compiled once and reused. */
const CACHE_SIZE = 256;
/** Cost units (see cel-budget.ts) per pattern character compiled; RE2 matching costs about a unit per 8 characters. */
const COMPILE_UNITS_PER_CHAR = 32;
const MATCH_CHARS_PER_UNIT = 8;

/** A literal pattern that does not compile, found when the rule is saved. */
export interface PatternIssue {
  readonly summary: string;
  readonly position: number | undefined;
}

function celTypeName(value: unknown): string {
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'number') return 'double';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  return typeof value === 'object' ? 'map' : typeof value;
}

type Re2js = typeof import('re2js');

/** `matches` and `join` for every expression of the one CEL environment, charging the meter. */
export class CelBuiltins {
  readonly #meter: CelMeter;
  /** Least recently used first. */
  readonly #patterns = new Map<string, RE2JS>();
  #re2js: Re2js | undefined;

  constructor(meter: CelMeter) {
    this.#meter = meter;
  }

  /**
   * Gives every `.matches(…)` and `.join(…)` call in a type-checked AST our handler, and returns
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
      if (item.op !== 'rcall') continue;
      const node = item;
      const name = callName(node);
      if (name === 'join') node.handle = (values: readonly unknown[]) => this.#join(values, node);
      if (name !== 'matches') continue;
      node.handle = (values: readonly unknown[]) => this.#matches(values, node);
      const issue = this.#literalPatternIssue(node);
      if (issue) issues.push(issue);
    }
    return issues;
  }

  /** The problem of a call's literal pattern argument, when there is one and it does not compile. */
  #literalPatternIssue(node: AstNode): PatternIssue | undefined {
    const [pattern] = ((node.args as readonly unknown[])[2] ?? []) as readonly unknown[];
    if (!isAstNode(pattern) || pattern.op !== 'value' || typeof pattern.args !== 'string') return undefined;
    const compiled = this.#compilePattern(pattern.args);
    return typeof compiled === 'string' ? { summary: compiled, position: pattern.start } : undefined;
  }

  /** The compiled pattern, or why it is refused. */
  #compilePattern(pattern: string): RE2JS | string {
    if (pattern.length > MAX_PATTERN_LENGTH) return `regular expression is longer than ${MAX_PATTERN_LENGTH} characters`;
    // Loaded (its CommonJS build, synchronously) on the first pattern: re2js adds ~3.5 MB and
    // tens of milliseconds to a start, which rules without `matches` never need.
    this.#re2js ??= createRequire(import.meta.url)('re2js') as Re2js;
    const { RE2JS, RE2JSException } = this.#re2js;
    try {
      return RE2JS.compile(pattern);
    } catch (error) {
      if (!(error instanceof RE2JSException)) throw error;
      return `invalid regular expression (RE2 syntax): ${error.message}`;
    }
  }

  #matches(values: readonly unknown[], node: AstNode): boolean {
    const [text, pattern] = values;
    if (typeof text !== 'string' || typeof pattern !== 'string' || values.length !== 2) {
      // Reached only through `dyn` values; static types are checked when the rule is saved.
      throw new EvaluationError(`found no matching overload for '${celTypeName(text)}.matches(${celTypeName(pattern)})'`, node as never);
    }
    const compiled = this.#compile(pattern, node);
    this.#meter.charge(Math.ceil(text.length / MATCH_CHARS_PER_UNIT));
    return compiled.test(text);
  }

  #compile(pattern: string, node: AstNode): RE2JS {
    const cached = this.#patterns.get(pattern);
    if (cached) {
      this.#patterns.delete(pattern);
      this.#patterns.set(pattern, cached);
      return cached;
    }
    // Charged before compiling: the budget stops a pattern too costly to compile, not after it.
    this.#meter.charge(pattern.length * COMPILE_UNITS_PER_CHAR);
    const compiled = this.#compilePattern(pattern);
    if (typeof compiled === 'string') throw new EvaluationError(compiled, node as never);
    this.#patterns.set(pattern, compiled);
    for (const key of this.#patterns.keys()) {
      if (this.#patterns.size <= CACHE_SIZE) break;
      this.#patterns.delete(key);
    }
    return compiled;
  }

  /** cel-js's `list<string>.join([separator])`, charged for the string it builds before building it. */
  #join(values: readonly unknown[], node: AstNode): string {
    const [list, separator = ''] = values;
    if (!Array.isArray(list) || typeof separator !== 'string' || values.length > 2) {
      const args = values.length > 1 ? celTypeName(separator) : '';
      throw new EvaluationError(`found no matching overload for '${celTypeName(list)}.join(${args})'`, node as never);
    }
    let length = separator.length * Math.max(0, list.length - 1);
    for (const item of list as readonly unknown[]) {
      if (typeof item !== 'string') throw new EvaluationError('string.join(): list must contain only strings', node as never);
      length += item.length;
    }
    this.#meter.charge(textUnits(length));
    return list.join(separator);
  }
}
