import type { Logger } from 'pino';
import type { Bus } from '../bus/index.js';
import { type Execution, type ExecutionId, type Policy, policyKey } from '../domain/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { Repositories, Store } from '../store/index.js';

/** Waiting executions one admit pass looks at, oldest first. */
const ADMIT_BATCH = 500;
/** Active executions one pass counts; far above any sensible `max`. */
const ACTIVE_LIMIT = 10_000;
const HELD = ['scheduled', 'running', 'canceling'] as const;

export type Dispatch = (id: ExecutionId, actionRef: string) => Promise<unknown>;

interface Verdicts {
  readonly admitted: Execution[];
  readonly cancelled: Execution[];
}

/**
 * Concurrency and rate policies (issue 9 item 5, docs/policies.md). An execution of an action
 * some policy names waits in `scheduling`; an admit pass for that action, one transaction that first locks the action's
 * policy rows (PostgreSQL; SQLite has one writer), admits the oldest waiting executions while
 * fewer than `max` count against each policy for their key, and cancels those a `cancel` policy refuses. Passes
 * run on execution.requested, on execution.completed of the action, and on the executor's
 * periodic pass, in any process: the lock and the compare-and-set moves keep them from
 * admitting more than `max` between them. A rate policy counts the executions started in its
 * window plus those admitted and not started yet; what it holds back is admitted by a later pass
 * (on a completion, or the periodic one) once the window has moved on.
 */
export class PolicyAdmission {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #catalog: Pick<PackCatalog, 'governedActions'>;
  readonly #dispatch: Dispatch;

  /**
   * `dispatch` starts an admitted execution: a workflow or a `core.ask` in the executor, any other
   * action on the workers of its runtime (the executor's Dispatcher).
   */
  constructor(store: Store, bus: Bus, log: Logger, catalog: Pick<PackCatalog, 'governedActions'>, dispatch: Dispatch) {
    this.#store = store;
    this.#bus = bus;
    this.#log = log;
    this.#catalog = catalog;
    this.#dispatch = dispatch;
  }

  /** Whether some policy names the action: read from memory, not the database (every execution asks). */
  async governs(actionRef: string): Promise<boolean> {
    return (await this.#catalog.governedActions()).has(actionRef);
  }

  /** Runs an admit pass for every action a policy names (the periodic pass). */
  async admitAll(): Promise<void> {
    for (const actionRef of await this.#catalog.governedActions()) await this.admit(actionRef);
  }

  async admit(actionRef: string): Promise<void> {
    const { admitted, cancelled } = await this.#store.transaction((tx) => decide(tx, actionRef));
    for (const execution of admitted) {
      // Status first, as ExecutorService does: a stream then shows `scheduled` before the worker's `running`.
      await this.#bus.publish('execution.status.changed', { executionId: execution.id, status: 'scheduled', actionRef });
      await this.#dispatch(execution.id, actionRef);
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
  const counts = await countsFor(tx, actionRef, policies);
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
    const error = `cancelled by policy ${refusing.ref}: ${refusing.max} of ${actionRef} already ${refusing.kind === 'rate' ? `started in the last ${refusing.windowSeconds ?? 0} s` : 'active'}`;
    const moved = await tx.executions.transition(execution.id, ['scheduling'], 'cancelled', { finished: true, result: { error } });
    if (moved) verdicts.cancelled.push(moved);
  }
  return verdicts;
}

/** For each policy, how many executions count against it, by key: active ones, or those started in its window. */
async function countsFor(tx: Repositories, actionRef: string, policies: readonly Policy[]): Promise<Map<string, number>[]> {
  const counts: Map<string, number>[] = [];
  let active: readonly Execution[] | undefined;
  for (const policy of policies) {
    if (policy.kind === 'rate') {
      const since = new Date(Date.now() - (policy.windowSeconds ?? 0) * 1000).toISOString();
      counts.push(countByKey(policy, await tx.policies.startedSince(actionRef, since, ACTIVE_LIMIT)));
    } else {
      active ??= await tx.policies.executionsOf(actionRef, HELD, ACTIVE_LIMIT);
      counts.push(countByKey(policy, active));
    }
  }
  return counts;
}

function countByKey(policy: Policy, active: readonly Execution[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const execution of active) {
    const key = policyKey(policy, execution.parameters);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}
