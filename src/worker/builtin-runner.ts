import type { ExecutionResult } from '../domain/entities.js';
import type { BuiltinRegistry, BuiltinResult } from './builtins/builtin-registry.js';
import { describeStop, timeoutDelayMs, type RunningAction, type RunOutcome, type RunRequest, type StopReason } from './run-request.js';

/**
 * Runs a builtin in-process. Timeout and cancel abort the builtin's signal and end the run at
 * once with `timeout`/`cancelled`, whether or not the builtin honours the signal: a builtin
 * that ignores it keeps running in the background, but its result is discarded.
 */
export function startBuiltinAction(req: RunRequest, builtins: BuiltinRegistry): RunningAction {
  const controller = new AbortController();
  let stopReason: StopReason | undefined;
  let isFinished = false;
  let onStop: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    onStop = resolve;
  });
  const requestStop = (reason: StopReason): void => {
    if (stopReason !== undefined || isFinished) return;
    stopReason = reason;
    controller.abort(new Error(describeStop(reason, req.timeoutSeconds)));
    onStop?.();
  };
  const delay = timeoutDelayMs(req.timeoutSeconds);
  const timer = delay === undefined ? undefined : setTimeout(() => requestStop('timeout'), delay);
  const started = performance.now();
  const done = (async (): Promise<RunOutcome> => {
    const settled = await Promise.race([invoke(req, builtins, controller.signal), stopped.then(() => undefined)]);
    isFinished = true;
    clearTimeout(timer);
    const duration_ms = Math.round(performance.now() - started);
    if (stopReason !== undefined) {
      return { status: stopReason, result: { stdout: '', stderr: '', duration_ms, error: describeStop(stopReason, req.timeoutSeconds) } };
    }
    return toOutcome(settled ?? { isFailure: true, error: 'builtin ended without a result' }, duration_ms);
  })();
  return { done, cancel: () => requestStop('cancelled') };
}

/** Calls the builtin, turning a missing entry or a throw into a failure result. Never rejects. */
async function invoke(req: RunRequest, builtins: BuiltinRegistry, signal: AbortSignal): Promise<BuiltinResult> {
  const builtin = builtins.get(req.action.entryPoint);
  if (builtin === undefined) {
    return { isFailure: true, error: `no builtin action is registered as ${req.action.entryPoint}` };
  }
  try {
    return await builtin(req.parameters, { signal, executionId: req.executionId });
  } catch (err) {
    return { isFailure: true, error: err instanceof Error ? err.message : String(err) };
  }
}

function toOutcome(outcome: BuiltinResult, duration_ms: number): RunOutcome {
  const result: ExecutionResult = {
    stdout: outcome.stdout ?? '',
    stderr: '',
    duration_ms,
    ...(outcome.data === undefined ? {} : { data: outcome.data }),
    ...(outcome.error === undefined ? {} : { error: outcome.error }),
  };
  return { status: outcome.isFailure === true ? 'failed' : 'completed', result };
}
