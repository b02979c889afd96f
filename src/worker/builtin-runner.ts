import type { ExecutionResult } from '../domain/index.js';
import type { BuiltinRegistry, BuiltinResult } from './builtins/builtin-registry.js';
import { OutputCapture } from './output-capture.js';
import { describeStop, timeoutDelayMs, type RunningAction, type RunOutcome, type RunRequest, type StopReason } from './run-request.js';

/**
 * Runs a builtin in-process. Timeout and cancel abort the builtin's signal and end the run at
 * once with `timeout`/`cancelled`, whether or not the builtin honours the signal: a builtin
 * that ignores it keeps running in the background, but its result is discarded.
 * `maxOutputBytes` bounds what the result stores, as it bounds a process's output.
 */
export function startBuiltinAction(req: RunRequest, builtins: BuiltinRegistry, maxOutputBytes: number): RunningAction {
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
    const settled = await Promise.race([invoke(req, builtins, controller.signal, maxOutputBytes), stopped.then(() => undefined)]);
    isFinished = true;
    clearTimeout(timer);
    const duration_ms = Math.round(performance.now() - started);
    if (stopReason !== undefined) {
      return { status: stopReason, result: { stdout: '', stderr: '', duration_ms, error: describeStop(stopReason, req.timeoutSeconds) } };
    }
    return toOutcome(settled ?? { isFailure: true, error: 'builtin ended without a result' }, duration_ms, maxOutputBytes);
  })();
  return { done, cancel: () => requestStop('cancelled') };
}

/** Calls the builtin, turning a missing entry or a throw into a failure result. Never rejects. */
async function invoke(req: RunRequest, builtins: BuiltinRegistry, signal: AbortSignal, maxOutputBytes: number): Promise<BuiltinResult> {
  const builtin = builtins.get(req.action.entryPoint);
  if (builtin === undefined) {
    return { isFailure: true, error: `no builtin action is registered as ${req.action.entryPoint}` };
  }
  try {
    return await builtin(req.parameters, { signal, executionId: req.executionId, maxOutputBytes });
  } catch (err) {
    return { isFailure: true, error: err instanceof Error ? err.message : String(err) };
  }
}

function toOutcome(outcome: BuiltinResult, duration_ms: number, maxOutputBytes: number): RunOutcome {
  const stdout = new OutputCapture(maxOutputBytes);
  stdout.push(Buffer.from(outcome.stdout ?? '', 'utf8'));
  const data = boundData(outcome.data, maxOutputBytes);
  const error = [outcome.error, data.problem].filter((text) => text !== undefined).join('; ');
  const result: ExecutionResult = {
    stdout: stdout.text(),
    stderr: '',
    duration_ms,
    ...(data.value === undefined ? {} : { data: data.value }),
    ...(error === '' ? {} : { error }),
    ...(outcome.isTruncated === true || stdout.isTruncated || data.problem !== undefined ? { truncated: true } : {}),
  };
  return { status: outcome.isFailure === true ? 'failed' : 'completed', result };
}

/**
 * A builtin's `data` may take twice the output cap once serialised: room for a capped response
 * body and its parsed JSON, as a process's result holds capped stdout and the data parsed from it.
 * Larger data is dropped whole rather than cut, since a cut JSON value would mean something else.
 */
function boundData(data: unknown, maxOutputBytes: number): { value?: unknown; problem?: string } {
  if (data === undefined) return {};
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(data) ?? '', 'utf8');
  } catch (err) {
    return { problem: `the builtin's data could not be stored: ${err instanceof Error ? err.message : String(err)}` };
  }
  const limit = 2 * maxOutputBytes;
  if (bytes <= limit) return { value: data };
  return { problem: `the builtin's data (${bytes} bytes as JSON) exceeds ${limit} bytes and was not stored` };
}
