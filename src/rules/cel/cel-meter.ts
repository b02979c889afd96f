import { callName, type AstNode } from './cel-ast.js';
import { deepUnits, textUnits, type CelBudget } from './cel-budget.js';

/**
 * Calls that do not go through their operands: the macros iterate, and each step is metered
 * as it runs; `has`, `cel.bind`, `dyn` and `type` only look at or pass on a value.
 */
const CALLS_NOT_SCANNING = new Set(['exists', 'all', 'exists_one', 'map', 'filter', 'has', 'bind', 'dyn', 'type']);

/** Operators that go through their operands: comparing, searching, concatenating. */
const SCANNING_OPERATORS = new Set(['in', '+', '<', '<=', '>', '>=']);

/**
 * What the value an operation received costs it, by what the operation does with it. Plain
 * access (`.`, `[]`, `?:`, `&&`, a variable) is free beyond its step, so touching a big list
 * costs nothing until something scans it — and a macro's accumulator, handed back on every
 * step, is never charged again and again.
 */
function operandUnits(consumer: AstNode, value: unknown): number {
  if (consumer.op === '==' || consumer.op === '!=') return deepUnits(value);
  const isMap = typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
  if (SCANNING_OPERATORS.has(consumer.op)) return isMap ? 0 : deepUnits(value); // `in` a map is a lookup
  const name = callName(consumer);
  if (name === undefined || CALLS_NOT_SCANNING.has(name)) return 0;
  if (name === 'size') return typeof value === 'string' ? textUnits(value.length) : 0; // code points are counted; lists know their size
  return isMap ? 0 : deepUnits(value);
}

/**
 * Spends the budget of the evaluation in progress. Evaluation is synchronous (no async CEL
 * functions are registered), so "in progress" is the budget `measure` was given. The
 * environment's evaluator hands every node it evaluates to `run` (see cel-environment.ts):
 * one unit per node, plus what its value costs the node that asked for it.
 */
export class CelMeter {
  #budget: CelBudget | undefined;
  /** The nodes being evaluated, innermost last: the last is the consumer of the next value. */
  readonly #consumers: AstNode[] = [];

  /**
   * Evaluates `root` with `evaluate`, spending from `budget`. Rethrows the budget's error when
   * it ran out, even where CEL absorbed it (`… || true`).
   */
  measure<T>(budget: CelBudget, root: AstNode, evaluate: () => T): T {
    const outer = this.#budget;
    const depth = this.#consumers.length;
    this.#budget = budget;
    // cel-js evaluates the root itself, not through `run`: it consumes its operands all the same.
    this.#consumers.push(root);
    try {
      const result = evaluate();
      if (budget.exceeded) throw budget.exceeded;
      return result;
    } finally {
      this.#consumers.length = depth;
      this.#budget = outer;
    }
  }

  /** Evaluates one node (`evaluate`) on the current budget; outside `measure`, unmetered. */
  run<T>(node: AstNode, evaluate: () => T): T {
    const budget = this.#budget;
    if (budget === undefined) return evaluate();
    budget.charge(1);
    const consumer = this.#consumers.at(-1);
    this.#consumers.push(node);
    let value: T;
    try {
      value = evaluate();
    } finally {
      this.#consumers.pop();
    }
    if (consumer !== undefined) {
      const units = operandUnits(consumer, value);
      if (units > 0) budget.charge(units);
    }
    return value;
  }

  /** Charges the current budget directly (a built-in that knows its own cost up front). */
  charge(units: number): void {
    this.#budget?.charge(units);
  }
}
