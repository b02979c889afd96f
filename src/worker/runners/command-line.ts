import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Action } from '../../domain/index.js';
import { isErrno } from '../../process/index.js';

/** The parameters a shell-cmd action's runner takes for itself: what to run, and where. */
const RUNNER_PARAMETERS: ReadonlySet<string> = new Set(['cmd', 'cwd']);

/** What a shell-cmd action runs, and in which directory. */
export interface CommandLine {
  /** Its `cmd` parameter, run by /bin/sh exactly as written. */
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

/**
 * Writes the command line to a new file, readable by this user only, directly in `parametersDir`
 * (0700, swept at start): one file created and, by `remove`, unlinked, and no directory made or
 * removed per run, which on a busy disk costs the most of these calls. Synchronous, as the data
 * dir's database is: two system calls, where the promise versions would each cost a thread-pool
 * round trip. `wx` (O_EXCL) never writes through a file or link already there.
 */
export function writeCommandFile(commandLine: string, parametersDir: string = tmpdir()): { readonly path: string; remove(): void } {
  const path = join(parametersDir, `attune-cmd-${randomBytes(9).toString('base64url')}.sh`);
  const write = () => writeFileSync(path, commandLine, { mode: 0o600, flag: 'wx' });
  try {
    try {
      write();
    } catch (error) {
      if (!isErrno(error, 'ENOENT')) throw error;
      mkdirSync(parametersDir, { recursive: true, mode: 0o700 }); // the first run since the sweep
      write();
    }
  } catch (error) {
    removeFile(path); // a write cut short (ENOSPC) leaves the file it created
    throw error;
  }
  return { path, remove: () => removeFile(path) };
}

function removeFile(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // Gone already, or never made; any other failure must not change the execution's outcome,
    // and the file is swept with its directory when Attune starts again.
  }
}
