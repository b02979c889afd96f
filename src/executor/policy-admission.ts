import type { Logger } from 'pino';
import type { Bus } from '../bus/index.js';
import { type Execution, type Policy, policyKey } from '../domain/index.js';
import type { Repositories, Store } from '../store/index.js';

/** Waiting executions one admit pass looks at, oldest first. */
const ADMIT_BATCH = 500;
/** Active executions one pass counts; far above any sensible `max`. */
const ACTIVE_LIMIT = 10_000;
const HELD = ['scheduled', 'running', 'canceling'] as const;

interface Verdicts {
  readonly admitted: Execution[];
  readonly cancelled: Execution[];
}

/**
 * Concurrency policies (issue 9 item 5). An execution of an action some policy names waits in
 * `scheduling`; an admit pass for that action, one transaction that first locks the action's
 * policy rows (PostgreSQL; SQLite has one writer), admits the oldest waiting executions while
 * fewer than `max` are active for their key, and cancels those a `cancel` policy refuses. Passes
 * run on execution.requested, on execution.completed of the action, and on the executor's
 * periodic pass, in any process: the lock and the compare-and-set moves keep them from
 * admitting more than `max` between them.
 */
export class PolicyAdmission {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;

  constructor(store: Store, bus: Bus, log: Logger) {
    this.#store = store;
    this.#bus = bus;
    this.#log = log;
  }

  async governs(actionRef: string): Promise<boolean> {
    return (await this.#store.policies.forAction(actionRef)).length > 0;
  }

  /** Runs an admit pass for every action a policy names (the periodic pass). */
  async admitAll(): Promise<void> {
    for (const actionRef of await this.#store.policies.listActionRefs()) await this.admit(actionRef);
  }

  async admit(actionRef: string): Promise<void> {
    const { admitted, cancelled } = await this.#store.transaction((tx) => decide(tx, actionRef));
    for (const execution of admitted) {
      await this.#bus.publish('execution.dispatch', { executionId: execution.id, actionRef });
      await this.#bus.publish('execution.status.changed', { executionId: execution.id, status: 'scheduled', actionRef });
    }
    for (const execution of cancelled) {
      this.#log.info({ executionId: execution.id, actionRef }, 'execution cancelled by a concurrency policy');
      await this.#bus.publish('execution.status.changed', { executionId: execution.id, status: 'cancelled', actionRef });
      await this.#bus.publish('execution.completed', { executionId: execution.id, status: 'cancelled', actionRef, parentId: execution.parentId });
    }
  }
}

async function decide(tx: Repositories, actionRef: string): Promise<Verdicts> {
  const policies = await tx.policies.forAction(actionRef, true);
  const waiting = await tx.policies.executionsOf(actionRef, ['scheduling'], ADMIT_BATCH);
  const verdicts: Verdicts = { admitted: [], cancelled: [] };
  if (waiting.length === 0) return verdicts;
  const active = await tx.policies.executionsOf(actionRef, HELD, ACTIVE_LIMIT);
  const counts = policies.map((policy) => countByKey(policy, active));
  for (const execution of waiting) {
    const keys = policies.map((policy) => policyKey(policy, execution.parameters));
    const full = policies.filter((policy, i) => (counts[i]?.get(keys[i] ?? '') ?? 0) >= policy.max);
    if (full.length === 0) {
      const moved = await tx.executions.transition(execution.id, ['scheduling'], 'scheduled');
      if (!moved) continue; // cancelled meanwhile
      counts.forEach((count, i) => count.set(keys[i] ?? '', (count.get(keys[i] ?? '') ?? 0) + 1));
      verdicts.admitted.push(moved);
      continue;
    }
    const refusing = full.find((policy) => policy.onExceeded === 'cancel');
    if (!refusing) continue; // enqueue: it waits for a later pass
    const error = `cancelled by policy ${refusing.ref}: ${refusing.max} of ${actionRef} already active`;
    const moved = await tx.executions.transition(execution.id, ['scheduling'], 'cancelled', { finished: true, result: { error } });
    if (moved) verdicts.cancelled.push(moved);
  }
  return verdicts;
}

function countByKey(policy: Policy, active: readonly Execution[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const execution of active) {
    const key = policyKey(policy, execution.parameters);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
