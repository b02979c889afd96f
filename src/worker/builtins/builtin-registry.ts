/** What a builtin receives besides its parameters. */
export interface BuiltinContext {
  /** Aborted on timeout or cancel; a builtin should stop its work promptly when it fires. */
  readonly signal: AbortSignal;
  readonly executionId: number;
  /**
   * The worker's output cap (`worker.max_output_bytes`), the same one a process's stdout gets.
   * A builtin that reads unbounded input (a response body) stops reading at it and reports
   * `isTruncated`, so one call cannot exhaust the worker's memory or bloat the stored result.
   */
  readonly maxOutputBytes: number;
}

/** What a builtin returns. Throwing marks the run failed with the error's message. */
export interface BuiltinResult {
  readonly data?: unknown;
  readonly stdout?: string;
  /** Marks the run failed while still recording `data` (e.g. an HTTP 4xx/5xx response). */
  readonly isFailure?: boolean;
  /** Explains a failure; recorded as `result.error`. */
  readonly error?: string;
  /** Some of the output was cut at `maxOutputBytes`; recorded as `result.truncated`. */
  readonly isTruncated?: boolean;
}

export type BuiltinAction = (
  params: Readonly<Record<string, unknown>>,
  ctx: BuiltinContext,
) => Promise<BuiltinResult>;

const pureBuiltins = new WeakSet<BuiltinAction>();

/**
 * Marks a builtin as pure: it has no effect outside its result (`core.noop`), so running it a
 * second time changes nothing. The worker then runs it before claiming the execution and records
 * it with one write instead of two (see WorkerService).
 */
export function pureBuiltin(action: BuiltinAction): BuiltinAction {
  pureBuiltins.add(action);
  return action;
}

export function isPureBuiltin(action: BuiltinAction | undefined): boolean {
  return action !== undefined && pureBuiltins.has(action);
}

/** Builtin actions by entry point name (the action's `entry_point` with `runner_type: builtin`). */
export type BuiltinRegistry = ReadonlyMap<string, BuiltinAction>;
