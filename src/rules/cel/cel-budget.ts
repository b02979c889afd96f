/**
 * The cost budget of CEL evaluation. CEL has no loops, but its macros (`exists`, `all`, `map`,
 * `filter`) iterate over data, nest, and can be handed a payload with thousands of elements:
 * a nested `exists` over a 6,000-element list is 36 million steps. So every evaluation runs
 * against a budget of cost units, spent as it goes (see cel-meter.ts), and stops with
 * CelCostLimitError when the budget is gone — deterministically: the same rule on the same event
 * always stops at the same point, whatever the machine's load.
 *
 * One unit is roughly 100 ns of evaluation: one expression node evaluated, or one element (or
 * 64 characters) of the data an operation has to go through — the list `in` searches, the
 * strings `+` joins, both sides of an `==`, the arguments of a function.
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
}

/** Units for going through `length` characters. */
export function textUnits(length: number): number {
  return Math.floor(length / CHARS_PER_UNIT);
}

/** Deep sizes already computed; values are immutable during evaluation, and garbage collected after. */
const deepSizes = new WeakMap<object, number>();

function childrenOf(value: object): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (value instanceof Map) return [...(value as Map<unknown, unknown>).values()];
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null ? Object.values(value) : undefined;
}

/**
 * Units for going through a whole value: one per list element or map entry at any depth, plus
 * the characters of its strings. Iterative (a `bytes.json()` result may nest deeply), and
 * cached per object, so a list searched on every step of a macro is measured once.
 */
export function deepUnits(value: unknown): number {
  if (typeof value === 'string') return textUnits(value.length);
  if (value instanceof Uint8Array) return textUnits(value.length);
  if (value === null || typeof value !== 'object') return 0;
  const known = deepSizes.get(value);
  if (known !== undefined) return known;
  let total = 0;
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') total += textUnits(item.length);
    if (item === null || typeof item !== 'object') continue;
    const cached = deepSizes.get(item);
    if (cached !== undefined) {
      total += cached;
      continue;
    }
    const children = childrenOf(item);
    if (children === undefined) continue;
    total += children.length;
    for (const child of children) pending.push(child);
  }
  deepSizes.set(value, total);
  return total;
}
