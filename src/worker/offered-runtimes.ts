import { RUNNER_TYPES, type RunnerType } from '../domain/index.js';
import { findExecutable, RUNNER_INTERPRETERS } from '../process/index.js';

/** Widened to every runner type: builtin needs nothing but this process. */
const INTERPRETERS: { readonly [R in RunnerType]?: string } = RUNNER_INTERPRETERS;

export interface OfferedRuntimes {
  /** What the worker registers with and takes dispatches for. */
  readonly offered: readonly RunnerType[];
  /** Runtimes asked for (or, with none asked for, possible) that this host cannot run, and why. */
  readonly missing: readonly { readonly runtime: RunnerType; readonly reason: string }[];
}

/**
 * The runtimes a worker offers (config worker.runtimes; empty: all of them), less those whose
 * interpreter is not on `searchPath` (bash, python3) or not executable (/bin/sh for shell-cmd):
 * a worker never takes an action it cannot start, so the executor sends it to another worker or
 * lets it wait for one.
 */
export async function offeredRuntimes(configured: readonly RunnerType[], searchPath: string | undefined): Promise<OfferedRuntimes> {
  const wanted = configured.length === 0 ? RUNNER_TYPES : RUNNER_TYPES.filter((runtime) => configured.includes(runtime));
  const offered: RunnerType[] = [];
  const missing: { runtime: RunnerType; reason: string }[] = [];
  for (const runtime of wanted) {
    const interpreter = INTERPRETERS[runtime];
    if (interpreter !== undefined && (await findExecutable(interpreter, searchPath)) === undefined) {
      missing.push({ runtime, reason: interpreter.includes('/') ? `${interpreter} is not executable` : `${interpreter} was not found on PATH` });
    } else {
      offered.push(runtime);
    }
  }
  return { offered, missing };
}
