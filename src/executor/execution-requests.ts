import type { Logger } from 'pino';
import type { Bus } from '../bus/index.js';
import {
  AppError,
  type Execution,
  type ExecutionId,
  PENDING_STATUSES,
  assertJsonFits,
  checkParameters,
  isTerminal,
  withSecrets,
} from '../domain/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { SecretBox } from '../secrets/index.js';
import type { NewExecution, Store } from '../store/index.js';
import { createRerun, type RerunRequest } from './workflow-reruns.js';

export interface ExecutionRequest extends Omit<NewExecution, 'parameters' | 'actionRef'> {
  readonly actionRef: string;
  readonly parameters?: unknown;
}

export interface ExecutionRequestsOptions {
  readonly store: Store;
  readonly catalog: PackCatalog;
  /** Seals the parameters an action marks secret before they are stored. */
  readonly secrets: SecretBox;
  readonly bus: Bus;
  readonly log: Logger;
}

/** How many times cancel re-reads a row that moved under it before giving up. */
const CANCEL_RACE_LIMIT = 5;

/**
 * The front door of the executor: turns a request (from the API, and later from rules) into an
 * execution row, and cancels executions. Parameters are validated, with defaults applied,
 * before any row exists, so an invalid request leaves no trace.
 */
export class ExecutionRequests {
  readonly #store: Store;
  readonly #bus: Bus;
  readonly #log: Logger;
  readonly #catalog: PackCatalog;
  readonly #secrets: SecretBox;

  constructor(options: ExecutionRequestsOptions) {
    this.#secrets = options.secrets;
    this.#store = options.store;
    this.#catalog = options.catalog;
    this.#bus = options.bus;
    this.#log = options.log;
  }

  /**
   * Checks parameters against the action's schema and returns them ready to store: defaults
   * applied and secret values sealed (those the schema marks, and `extraSecrets`). Throws ERR_ACTION_NOT_FOUND, ERR_ACTION_PARAMETERS_INVALID
   * (naming the parameter), or ERR_JSON_TOO_DEEP / ERR_JSON_NUMBER_OUT_OF_RANGE: a rule's
   * templates can render parameters deeper than any request body may be, and every stage after
   * this one (store, spawner, the action's stdin) relies on the same limit.
   */
  async validateParameters(actionRef: string, parameters: unknown, extraSecrets: readonly string[] = []): Promise<Record<string, unknown>> {
    assertJsonFits(parameters, 'parameters');
    const action = await this.#catalog.action(actionRef);
    if (!action) throw new AppError('ERR_ACTION_NOT_FOUND', `no action "${actionRef}"`);
    const checked = checkParameters(action.parameters, parameters ?? {});
    if (!checked.ok) {
      const [first] = checked.problems;
      const message = first ? `parameter "${first.parameter}" ${first.message}` : 'invalid parameters';
      throw new AppError('ERR_ACTION_PARAMETERS_INVALID', message, { details: checked.problems });
    }
    return this.#secrets.sealParameters(withSecrets(action.parameters, extraSecrets), checked.value);
  }

  async request(request: ExecutionRequest): Promise<Execution> {
    const parameters = await this.validateParameters(request.actionRef, request.parameters);
    const execution = await this.#store.executions.create({ ...request, parameters });
    this.#log.debug({ executionId: execution.id, actionRef: execution.actionRef }, 'execution requested');
    await this.#bus.publish('execution.requested', { executionId: execution.id, actionRef: execution.actionRef });
    return execution;
  }

  /** Re-runs a finished workflow from one or more of its tasks, as a new execution (workflow-reruns.ts). */
  async rerun(request: RerunRequest): Promise<Execution> {
    const execution = await createRerun(this.#store, this.#catalog, request);
    this.#log.info({ executionId: execution.id, rerunOf: request.executionId, fromTasks: request.fromTasks }, 'workflow rerun requested');
    await this.#bus.publish('execution.requested', { executionId: execution.id, actionRef: execution.actionRef });
    return execution;
  }

  /**
   * Cancels an execution. One still waiting for a worker ends `cancelled` at once; a running one
   * moves to `canceling` and its worker stops the process. Idempotent while in flight.
   */
  async cancel(id: ExecutionId): Promise<Execution> {
    for (let attempt = 0; attempt < CANCEL_RACE_LIMIT; attempt++) {
      const current = await this.#store.executions.get(id);
      if (!current) throw new AppError('ERR_EXECUTION_NOT_FOUND', `no execution ${id}`);
      if (isTerminal(current.status)) {
        throw new AppError('ERR_EXECUTION_NOT_CANCELABLE', `execution ${id} has already ended (${current.status})`);
      }
      if (current.status === 'canceling') return current;
      const moved =
        current.status === 'running'
          ? await this.#store.executions.transition(id, ['running'], 'canceling')
          : await this.#store.executions.transition(id, PENDING_STATUSES, 'cancelled', {
              finished: true,
              result: { error: 'cancelled before it started' },
            });
      if (!moved) continue; // the row moved under us (a worker claimed it): read it again
      const summary = { executionId: id, actionRef: moved.actionRef };
      await this.#bus.publish('execution.status.changed', { ...summary, status: moved.status });
      if (moved.status === 'canceling') await this.#bus.publish('execution.cancel', { executionId: id });
      else await this.#bus.publish('execution.completed', { ...summary, status: 'cancelled' });
      return moved;
    }
    throw new AppError('ERR_INTERNAL', `execution ${id} kept changing while being cancelled`);
  }
}
