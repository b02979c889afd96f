/**
 * The cost budget of CEL evaluation. CEL has no loops, but its macros (`exists`, `all`, `map`,
 * `filter`) iterate over data, nest, and can be handed a payload with thousands of elements:
 * a nested `exists` over a 6,000-element list is 36 million steps. So every evaluation runs
 * against a budget of cost units, spent as it goes (see CelMeter), and stops with
 * CelCostLimitError when the budget is gone — deterministically: the same rule on the same event
 * always stops at the same point, whatever the machine's load.
 *
 * One unit is roughly 100 ns of evaluation: one expression node evaluated, one element of a
 * list a node produced or read, 64 characters of a string it produced or read. A regular
 * expression charges for its compilation and for the text it scans (see cel-regex.ts).
 */

/** Units one rule may spend on one event by default (`rules.cost_limit`): about 0.1–0.3 s. */
export const DEFAULT_COST_LIMIT = 1_000_000;

/** Characters of a string that cost one unit. */
const CHARS_PER_UNIT = 64;

/** Thrown when a budget runs out; the rule engine turns it into a failed enforcement. */
export class CelCostLimitError extends Error {
  readonly limit: number;

  constructor(limit: number) {
    super(`evaluation exceeded its cost limit of ${limit} units (rules.cost_limit): too many steps, or too much data per step`);
    this.name = 'CelCostLimitError';
    this.limit = limit;
  }
}

/**
 * What one rule may still spend on one event (conditions and templates together). Once
 * exhausted it stays exhausted: every further charge throws the same error, so CEL's error
 * absorption (`false && …`, `exists` skipping a failed element) cannot compute past it.
 */
export class CelBudget {
  readonly limit: number;
  #spent = 0;
  #exceeded: CelCostLimitError | undefined;

  constructor(limit = DEFAULT_COST_LIMIT) {
    this.limit = limit;
  }

  get spent(): number {
    return this.#spent;
  }

  /** The error, once the budget ran out. */
  get exceeded(): CelCostLimitError | undefined {
    return this.#exceeded;
  }

  charge(units: number): void {
    this.#spent += units;
    if (this.#spent <= this.limit) return;
    // One instance, thrown again on each later charge: error objects capture a stack, and an
    // `exists` over a long list keeps stepping (and charging) after the first one is thrown.
    this.#exceeded ??= new CelCostLimitError(this.limit);
    throw this.#exceeded;
  }

  /** Charges for a value a step produced: list elements and string characters. */
  chargeValue(value: unknown): void {
    if (typeof value === 'string') {
      if (value.length >= CHARS_PER_UNIT) this.charge(Math.floor(value.length / CHARS_PER_UNIT));
    } else if (Array.isArray(value)) {
      if (value.length > 0) this.charge(value.length);
    }
  }
}

/**
 * Charges the budget of the evaluation in progress. Evaluation is synchronous (no async CEL
 * functions are registered), so "in progress" is simply the budget `measure` was given; the
 * environment's evaluator calls `step` for every node it evaluates (see cel-environment.ts).
 */
export class CelMeter {
  #budget: CelBudget | undefined;

  /** Runs `evaluate` spending from `budget`; rethrows the budget's error if it ran out, even when CEL absorbed it. */
  measure<T>(budget: CelBudget, evaluate: () => T): T {
    const outer = this.#budget;
    this.#budget = budget;
    try {
      const result = evaluate();
      if (budget.exceeded) throw budget.exceeded;
      return result;
    } finally {
      this.#budget = outer;
    }
  }

  /** One node is about to be evaluated. */
  step(): void {
    this.#budget?.charge(1);
  }

  /** A node produced `value`. */
  produced(value: unknown): void {
    this.#budget?.chargeValue(value);
  }

  charge(units: number): void {
    this.#budget?.charge(units);
  }
}
