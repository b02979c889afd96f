import { constants, realpathSync, statSync } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { delimiter, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { RunnerType } from '../domain/index.js';
// Not the domain index: the spawner helper loads this folder, and must not load Ajv with it.
import { assertNever } from '../domain/index.js';
import { SHELL } from './cgroup.js';

export type ProcessRunnerType = Exclude<RunnerType, 'builtin'>;
/** Runner types whose program is a file of the pack (`entry_point`); a shell-cmd action's is its command line. */
export type ProgramRunnerType = Exclude<ProcessRunnerType, 'shell-cmd'>;

/**
 * The program a runner type cannot run without, beyond Node itself: a name looked up on PATH, or
 * an absolute path. A worker does not offer a runtime whose program it lacks (offeredRuntimes).
 */
export const RUNNER_INTERPRETERS = { shell: 'bash', 'shell-cmd': SHELL, python: 'python3' } as const satisfies {
  readonly [R in ProcessRunnerType]?: string;
};

/** The program and arguments for one action; parameters are never among the arguments. */
export interface LaunchCommand {
  readonly command: string;
  readonly args: readonly string[];
}

export type LaunchResolution = { readonly ok: true; readonly launch: LaunchCommand } | { readonly ok: false; readonly error: string };

/**
 * Resolves `<packPath>/<folder>/<entryPoint>` (actions/ or sensors/), refusing entry points that
 * escape the folder or do not name a file, so the error names the file instead of a vague spawn
 * failure. Registration checked the same, but a symlink can change after it: the real path must
 * still be a regular file inside the pack's real directory, and that real path is what runs.
 */
export function resolveEntryPath(
  packPath: string,
  entryPoint: string,
  folder: 'actions' | 'sensors' = 'actions',
): Promise<{ path: string } | { error: string }> {
  return Promise.resolve(resolveEntry(packPath, entryPoint, folder));
}

function resolveEntry(packPath: string, entryPoint: string, folder: 'actions' | 'sensors'): { path: string } | { error: string } {
  const folderDir = resolve(packPath, folder);
  const path = resolve(folderDir, entryPoint);
  if (!isWithin(folderDir, path) || path === folderDir) {
    return { error: `entry point ${entryPoint} is outside ${folderDir}` };
  }
  try {
    // Synchronous: three quick system calls on local files, where the promise versions would each
    // wait for a thread-pool round trip, on the path of every run (and longer when the machine is busy).
    const real = realpathSync.native(path);
    // Named by its path in the pack only: where a symlink leads is not for the error to show.
    if (!isWithin(realpathSync.native(packPath), real)) return { error: `entry point ${path} resolves outside the pack` };
    if (!statSync(real).isFile()) return { error: `entry point ${path} is not a regular file` };
    return { path: real };
  } catch {
    return { error: `entry point ${path} does not exist` };
  }
}

function isWithin(root: string, target: string): boolean {
  const rel = relative(root, target);
  return rel === '' || (!isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`));
}

/**
 * What a shell-cmd run's /bin/sh does first: reads its command line from stdin (a count of lines,
 * then the lines; see encodeCommandLine), then runs it with eval, as `sh -c` would: the reader's
 * variables unset, no options, no positional parameters. `read` takes a pipe byte by byte, never
 * past the command line, so what follows on stdin (the action's other parameters, or nothing) is
 * the command's. One line, so that a warm spare's header can carry it: the newline that joins the
 * lines is the last character of the default IFS, which no shell takes from the environment.
 */
const COMMAND_LINE_READER =
  'IFS= read -r n || exit 125; c=; while [ "$n" -gt 0 ]; do IFS= read -r l || exit 125; c="$c$l${IFS#??}"; n=$((n - 1)); done; unset n l; eval "unset c; $c"';

/**
 * How a shell-cmd action runs: one /bin/sh, given the command line on stdin (encodeCommandLine),
 * never in its arguments or environment: argv and environ can be read by anyone in `ps` or
 * /proc, and a command line may be rendered from a secret. No file is written for it, and no
 * start-up file is read (a non-interactive sh reads none, nor does a bash invoked as sh).
 */
export function commandLineLaunch(): LaunchCommand {
  return { command: RUNNER_INTERPRETERS['shell-cmd'], args: ['-c', COMMAND_LINE_READER] };
}

/** The start of a shell-cmd run's stdin, as COMMAND_LINE_READER reads it: the count of lines, then the lines. */
export function encodeCommandLine(cmd: string): string {
  return `${cmd.split('\n').length}\n${cmd}\n`;
}

/** Picks the interpreter for a runner type; `execPath` is the running Node binary. */
export async function resolveLaunch(
  runnerType: ProgramRunnerType,
  entryPath: string,
  execPath: string,
  searchPath: string | undefined,
): Promise<LaunchResolution> {
  switch (runnerType) {
    case 'shell':
      // No start-up files: stdin is a socket, which bash takes for a remote shell and so reads
      // ~/.bashrc; an action must not depend on (or pay for) the operator's interactive set-up.
      return { ok: true, launch: { command: RUNNER_INTERPRETERS.shell, args: ['--noprofile', '--norc', entryPath] } };
    case 'node':
      return { ok: true, launch: { command: execPath, args: [entryPath] } };
    case 'python': {
      const python = await findExecutable(RUNNER_INTERPRETERS.python, searchPath);
      if (python === undefined) {
        return { ok: false, error: 'the python runner needs python3, which was not found on PATH' };
      }
      return { ok: true, launch: { command: python, args: [entryPath] } };
    }
    case 'native':
      return { ok: true, launch: { command: entryPath, args: [] } };
    default:
      return assertNever(runnerType);
  }
}

/**
 * The first executable file called `name` in the PATH-style list `searchPath`; a name with a
 * slash is a path, not looked up (as execvp does).
 */
export async function findExecutable(name: string, searchPath: string | undefined): Promise<string | undefined> {
  if (name.includes('/')) return (await isExecutableFile(name)) ? name : undefined;
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return undefined;
}

async function isExecutableFile(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return (await stat(file)).isFile(); // a directory is "executable" (searchable) too
  } catch {
    return false; // missing or not executable: the caller looks further, or goes without
  }
}
