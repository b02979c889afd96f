import { RUNNER_TYPES, type RunnerType } from '../domain/index.js';
import { findExecutable } from '../process/index.js';

/** The program a runtime cannot run without, for those that need one beyond Node itself. */
const INTERPRETERS: { readonly [R in RunnerType]?: string } = { shell: 'bash', python: 'python3' };

export interface OfferedRuntimes {
  /** What the worker registers with and takes dispatches for. */
  readonly offered: readonly RunnerType[];
  /** Runtimes asked for (or, with none asked for, possible) that this host cannot run, and why. */
  readonly missing: readonly { readonly runtime: RunnerType; readonly reason: string }[];
}

/**
 * The runtimes a worker offers (config worker.runtimes; empty: all of them), less those whose
 * interpreter is not on `searchPath`: a worker never takes an action it cannot start, so the
 * executor sends it to another worker or lets it wait for one.
 */
export async function offeredRuntimes(configured: readonly RunnerType[], searchPath: string | undefined): Promise<OfferedRuntimes> {
  const wanted = configured.length === 0 ? RUNNER_TYPES : RUNNER_TYPES.filter((runtime) => configured.includes(runtime));
  const offered: RunnerType[] = [];
  const missing: { runtime: RunnerType; reason: string }[] = [];
  for (const runtime of wanted) {
    const interpreter = INTERPRETERS[runtime];
    if (interpreter !== undefined && (await findExecutable(interpreter, searchPath)) === undefined) {
      missing.push({ runtime, reason: `${interpreter} was not found on PATH` });
    } else {
      offered.push(runtime);
    }
  }
  return { offered, missing };
}
