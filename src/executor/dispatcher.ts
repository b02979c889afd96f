import type { Logger } from 'pino';
import type { Bus } from '../bus/index.js';
import type { ExecutionId, RunnerType } from '../domain/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { Store } from '../store/index.js';
import type { LiveWorkers } from './live-workers.js';

/**
 * Hands scheduled executions to workers (DESIGN §2): `execution.dispatch` routed by the action's
 * runtime, so only workers that offer it receive it. While no live worker offers the runtime the
 * execution waits in `scheduled` (as a StackStorm execution waits for an action runner): the
 * executor says so once per runtime, and dispatches what waits as soon as such a worker appears.
 */
export class Dispatcher {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #catalog: Pick<PackCatalog, 'action'>;
  readonly #workers: Pick<LiveWorkers, 'offers'>;
  /** Runtimes already reported as offered by no live worker, until one appears. */
  readonly #unserved = new Set<RunnerType>();

  constructor(options: {
    readonly store: Store;
    readonly bus: Bus;
    readonly log: Logger;
    readonly catalog: Pick<PackCatalog, 'action'>;
    readonly workers: Pick<LiveWorkers, 'offers'>;
  }) {
    this.#store = options.store;
    this.#bus = options.bus;
    this.#log = options.log;
    this.#catalog = options.catalog;
    this.#workers = options.workers;
  }

  /** Publishes the dispatch of a `scheduled` execution; true when it went out, false when it waits for a worker. */
  async dispatch(id: ExecutionId, actionRef: string): Promise<boolean> {
    const action = await this.#catalog.action(actionRef);
    if (!action || action.runnerType === 'workflow') {
      await this.#failUnrunnable(id, actionRef, action ? `action "${actionRef}" is a workflow: no worker runs it` : `action "${actionRef}" is no longer registered`);
      return false;
    }
    const runtime = action.runnerType;
    if (!(await this.#workers.offers(runtime))) {
      if (!this.#unserved.has(runtime)) {
        this.#unserved.add(runtime);
        this.#log.warn({ runtime, executionId: id, actionRef }, 'no live worker offers this runtime: its executions wait in scheduled');
      }
      return false;
    }
    await this.#bus.publish('execution.dispatch', { executionId: id, runtime, actionRef });
    return true;
  }

  /** Live workers offer these runtimes now: the next execution that waits for one is reported again. */
  served(runtimes: readonly RunnerType[]): void {
    for (const runtime of runtimes) {
      if (this.#unserved.delete(runtime)) this.#log.info({ runtime }, 'a live worker offers this runtime again: waiting executions are dispatched');
    }
  }

  /** An action deleted since it was requested (or a workflow here by mistake): no worker could run it. */
  async #failUnrunnable(id: ExecutionId, actionRef: string, error: string): Promise<void> {
    const failed = await this.#store.executions.transition(id, ['scheduled'], 'failed', { finished: true, result: { error } });
    if (!failed) return;
    this.#log.warn({ executionId: id, actionRef, error }, 'execution failed: no worker can run its action');
    await this.#bus.publish('execution.status.changed', { executionId: id, status: 'failed', actionRef });
    await this.#bus.publish('execution.completed', { executionId: id, status: 'failed', actionRef, parentId: failed.parentId });
  }
}
