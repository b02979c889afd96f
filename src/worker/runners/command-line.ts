import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Action } from '../../domain/index.js';

/** The parameters a shell-cmd action's runner takes for itself: what to run, and where. */
const RUNNER_PARAMETERS: ReadonlySet<string> = new Set(['cmd', 'cwd']);

/** What a shell-cmd action runs, and in which directory. */
export interface CommandLine {
  /** Its `cmd` parameter, run by /bin/sh exactly as written (see commandLineLaunch). */
  readonly cmd: string;
  /** Its `cwd` parameter (relative to the pack's actions/ folder), else that folder. */
  readonly cwd: string;
}

/**
 * The command line of a shell-cmd action from its parameters (pack validation made `cmd` a
 * string parameter the action cannot run without), or why it cannot run.
 */
export function readCommandLine(parameters: Readonly<Record<string, unknown>>, actionsDir: string): CommandLine | { error: string } {
  const { cmd, cwd } = parameters;
  if (typeof cmd !== 'string') return { error: 'a shell-cmd action runs its parameter cmd, a string, which it was not given' };
  if (cwd === undefined || cwd === '') return { cmd, cwd: actionsDir };
  if (typeof cwd !== 'string') return { error: 'the parameter cwd of a shell-cmd action must be a string' };
  const dir = resolve(actionsDir, cwd);
  // Checked here so that the error names the directory: spawn() (or the warm spare's cd) would
  // report a missing directory as a failure to start /bin/sh.
  try {
    if (statSync(dir).isDirectory()) return { cmd, cwd: dir };
  } catch {
    // Missing or unreadable: reported below, as a file that is not a directory is.
  }
  return { error: `the working directory ${dir} does not exist or is not a directory` };
}

/**
 * What a shell-cmd action's command gets as its parameters document (on stdin or in its
 * parameters file): the values of every parameter but `cmd` and `cwd`, which are the runner's;
 * undefined when the action declares no other parameter: then nothing is delivered, and the
 * command's stdin is empty, as core.shell's is.
 */
export function commandParameters(
  action: Pick<Action, 'parameters'>,
  parameters: Readonly<Record<string, unknown>>,
): Readonly<Record<string, unknown>> | undefined {
  if (Object.keys(action.parameters).every((name) => RUNNER_PARAMETERS.has(name))) return undefined;
  return Object.fromEntries(Object.entries(parameters).filter(([name]) => !RUNNER_PARAMETERS.has(name)));
}
