/** Policies (issue 9 item 5): limits the executor applies before it hands an execution to a worker. */
export const POLICY_KINDS = ['concurrency', 'rate'] as const;
export type PolicyKind = (typeof POLICY_KINDS)[number];

/** What happens to an execution a concurrency policy does not admit now. */
export const POLICY_ON_EXCEEDED = ['enqueue', 'cancel'] as const;
export type PolicyOnExceeded = (typeof POLICY_ON_EXCEEDED)[number];

/**
 * `concurrency`: at most `max` executions of `actionRef` active (scheduled, running or canceling)
 * at once. `rate`: at most `max` started (or admitted and about to start) in any `windowSeconds`.
 * With `per`, the limit holds for each combination of those parameters' values.
 */
export interface Policy {
  readonly id: number;
  readonly ref: string;
  readonly packRef: string;
  readonly label: string;
  readonly description: string;
  readonly kind: PolicyKind;
  readonly actionRef: string;
  readonly max: number;
  readonly onExceeded: PolicyOnExceeded;
  readonly per: readonly string[];
  /** `rate` only: the window's length; null for `concurrency`. */
  readonly windowSeconds: number | null;
  readonly created: string;
  readonly updated: string;
}

/** The key an execution counts under for a policy: its values of the `per` parameters. */
export function policyKey(policy: Pick<Policy, 'per'>, parameters: Readonly<Record<string, unknown>>): string {
  return JSON.stringify(policy.per.map((name) => parameters[name] ?? null));
}
