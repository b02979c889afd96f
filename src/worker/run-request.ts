import type { Action, ExecutionResult, ProcessCell } from '../domain/index.js';

/** Everything needed to run one action execution; no store or bus is involved. */
export interface RunRequest {
  readonly executionId: number;
  readonly action: Action;
  /** Absolute directory of the pack; entry points are relative to `<packPath>/actions/`. */
  readonly packPath: string;
  /** Already validated, defaults applied. Never placed in argv or the environment. */
  readonly parameters: Readonly<Record<string, unknown>>;
  /** A value of 0 or less means no timeout. */
  readonly timeoutSeconds: number;
  /** ATTUNE_* variables computed by the caller (ATTUNE_ACTION, ATTUNE_PACK_REF, ATTUNE_EXEC_ID, …). */
  readonly env: Readonly<Record<string, string>>;
  /** Told the pid (and process group) of the action's process as soon as it is spawned, and its cell if it has one. */
  readonly onSpawn?: (pid: number, cell: ProcessCell | undefined) => void;
}

export const RUN_OUTCOME_STATUSES = ['completed', 'failed', 'timeout', 'cancelled'] as const;
export type RunOutcomeStatus = (typeof RUN_OUTCOME_STATUSES)[number];

/** Why a run was stopped from outside; decided by what was requested, never by the exit signal. */
export type StopReason = Extract<RunOutcomeStatus, 'timeout' | 'cancelled'>;

export interface RunOutcome {
  readonly status: RunOutcomeStatus;
  readonly result: ExecutionResult;
}

/** A started run. `cancel()` is idempotent and does nothing once the run has ended or a timeout fired. */
export interface RunningAction {
  readonly done: Promise<RunOutcome>;
  cancel(): void;
}

/** The message recorded in `result.error` for a run stopped from outside. */
export function describeStop(reason: StopReason, timeoutSeconds: number): string {
  return reason === 'timeout' ? `action timed out after ${timeoutSeconds} s` : 'action was cancelled';
}

/** Node timers overflow above 2^31-1 ms (about 24.8 days) and would fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** The timeout as a timer delay, or undefined for "no timeout" (0 or less, or not a number). */
export function timeoutDelayMs(timeoutSeconds: number): number | undefined {
  if (!(timeoutSeconds > 0)) return undefined;
  return Math.min(timeoutSeconds * 1000, MAX_TIMER_MS);
}
