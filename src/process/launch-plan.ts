import { constants, realpathSync, statSync } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { RunnerType } from '../domain/index.js';
// Not the domain index: the spawner helper loads this folder, and must not load Ajv with it.
import { assertNever } from '../domain/index.js';

export type ProcessRunnerType = Exclude<RunnerType, 'builtin'>;

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

/** Picks the interpreter for a runner type; `execPath` is the running Node binary. */
export async function resolveLaunch(
  runnerType: ProcessRunnerType,
  entryPath: string,
  execPath: string,
  searchPath: string | undefined,
): Promise<LaunchResolution> {
  switch (runnerType) {
    case 'shell':
      // No start-up files: stdin is a socket, which bash takes for a remote shell and so reads
      // ~/.bashrc; an action must not depend on (or pay for) the operator's interactive set-up.
      return { ok: true, launch: { command: 'bash', args: ['--noprofile', '--norc', entryPath] } };
    case 'node':
      return { ok: true, launch: { command: execPath, args: [entryPath] } };
    case 'python': {
      const python = await findExecutable('python3', searchPath);
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

/** The first executable file called `name` in the PATH-style list `searchPath`. */
export async function findExecutable(name: string, searchPath: string | undefined): Promise<string | undefined> {
  for (const dir of (searchPath ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here (or not executable): keep looking in the next PATH entry.
      continue;
    }
  }
  return undefined;
}
