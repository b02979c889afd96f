import type { Action } from '../domain/index.js';
import { startBuiltinAction } from './builtin-runner.js';
import { type BuiltinRegistry, isPureBuiltin } from './builtins/builtin-registry.js';
import { createDefaultBuiltins } from './builtins/default-builtins.js';
import { startProcessAction, type ProcessRunnerOptions } from './process-runner.js';
import type { RunningAction, RunRequest } from './run-request.js';

export interface ActionRunnerOptions extends ProcessRunnerOptions {
  /** Builtin actions by entry point; defaults to `createDefaultBuiltins()` (noop, http_request). */
  readonly builtins?: BuiltinRegistry;
}

/**
 * Runs single action executions: child processes for shell/node/python/native, in-process
 * functions for builtin. Knows nothing of the store or the bus; the worker service records
 * the outcome. `start` never throws and `done` never rejects: every failure is an outcome.
 */
export class ActionRunner {
  readonly #opts: ProcessRunnerOptions;
  readonly #builtins: BuiltinRegistry;

  constructor(opts: ActionRunnerOptions) {
    const { builtins, ...processOpts } = opts;
    this.#opts = Object.freeze({ ...processOpts, baseEnv: Object.freeze({ ...processOpts.baseEnv }) });
    this.#builtins = builtins ?? createDefaultBuiltins();
  }

  /** A builtin with no effect outside its result and no API token to issue: running it twice changes nothing. */
  isPure(action: Action): boolean {
    return action.runnerType === 'builtin' && !action.apiAccess && isPureBuiltin(this.#builtins.get(action.entryPoint));
  }

  start(req: RunRequest): RunningAction {
    const { runnerType } = req.action;
    if (runnerType === 'workflow') {
      // The executor walks a workflow itself and never dispatches one: a worker only says so.
      const result = { error: `${req.action.ref} is a workflow: the executor runs it, not a worker` };
      return { done: Promise.resolve({ status: 'failed', result }), cancel: () => undefined };
    }
    return runnerType === 'builtin'
      ? startBuiltinAction(req, this.#builtins, this.#opts.maxOutputBytes)
      : startProcessAction(req, runnerType, this.#opts);
  }
}
