import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { ProcessCell } from '../domain/index.js';
import { assertNever } from '../domain/index.js';
import { CELLS_DIR, cgroupLaunch, createCgroup, enterCgroup, killCgroup, removeCgroup } from './cgroup.js';
import { CELL_ENV, killEnvironCell, newEnvironMarker } from './environ-cell.js';

export const CONTAINMENT_KINDS = ['cgroup2', 'cgroup1', 'environ', 'none'] as const;
/** How this Attune keeps what an action or sensor starts; `none` is the process group alone. */
export type ContainmentKind = (typeof CONTAINMENT_KINDS)[number];

/** The mechanism chosen at start (see detectContainment), and for cgroups where cells go. */
export interface Containment {
  readonly kind: ContainmentKind;
  /** The cgroup directory cells are made in; empty for `environ` and `none`. */
  readonly root: string;
}

export const NO_CONTAINMENT: Containment = Object.freeze({ kind: 'none', root: '' });

/** What to spawn: the program, its arguments, where, and its complete environment. */
export interface Launch {
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Makes a new, empty cell for one action or sensor process; `label` names it (in the cgroup
 * directory name). Undefined for `none`. Throws when the cgroup cannot be made.
 */
export function createCell(containment: Containment, label: string): ProcessCell | undefined {
  switch (containment.kind) {
    case 'cgroup2':
    case 'cgroup1':
      return { kind: containment.kind, tag: createCgroup(containment.root, label.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)) };
    case 'environ':
      return { kind: 'environ', tag: newEnvironMarker() };
    case 'none':
      return undefined;
    default:
      return assertNever(containment.kind);
  }
}

/**
 * The launch that starts `launch` inside the cell, so the program and all it forks are in it
 * from their first instruction. A program that cannot be executed is launched as is: spawning it
 * then fails as it always did (ENOENT, EACCES), with nothing to contain.
 */
export function launchInCell(cell: ProcessCell | undefined, launch: Launch): Launch {
  if (cell === undefined) return launch;
  switch (cell.kind) {
    case 'cgroup2':
    case 'cgroup1':
      return isExecutable(launch.command, launch.cwd, launch.env.PATH) ? { ...launch, ...cgroupLaunch(cell.tag, launch.command, launch.args) } : launch;
    case 'environ':
      return { ...launch, env: { ...launch.env, [CELL_ENV]: cell.tag } };
    default:
      return assertNever(cell.kind);
  }
}

/**
 * Whether `cell` names a cell as createCell makes them. Cells also come back from the database and
 * the sensor ledger after a crash; whatever they say, nothing but a cell of ours is ever killed
 * (a tag naming, say, the root cgroup would otherwise kill everything in it).
 */
export function isCell(cell: ProcessCell): boolean {
  switch (cell.kind) {
    case 'cgroup2':
    case 'cgroup1':
      return path.isAbsolute(cell.tag) && path.basename(path.dirname(cell.tag)) === CELLS_DIR && /-[0-9a-f]{12}$/.test(cell.tag);
    case 'environ':
      return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(cell.tag);
    default:
      return assertNever(cell.kind);
  }
}

/**
 * Calls `spawn` (which must start the process synchronously, as child_process.spawn does) so that
 * the process is born in the cell. For a cgroup this process moves itself into the cell for the
 * call and back out after: cheaper than launchInCell's extra /bin/sh, which matters for the
 * spawner helper, which starts every action. Only for a process that does nothing else meanwhile.
 * Should moving back fail, this process is left in the cell and the error thrown: the caller
 * must then end the cell, and itself with it.
 */
export function spawnInCell<T>(cell: ProcessCell | undefined, launch: Launch, spawn: (launch: Launch) => T): T {
  if (cell === undefined || cell.kind === 'environ' || !isCell(cell)) return spawn(launchInCell(cell, launch));
  const home = path.dirname(path.dirname(cell.tag)); // <own cgroup>/attune/<cell>
  enterCgroup(cell.tag);
  try {
    return spawn(launch);
  } finally {
    enterCgroup(home);
  }
}

/** Sends SIGKILL to every process in the cell and waits (a few ms at most) until none is left to signal; returns how many it found. */
export function killCell(cell: ProcessCell | undefined): number {
  if (cell === undefined || !isCell(cell)) return 0;
  switch (cell.kind) {
    case 'cgroup2':
    case 'cgroup1':
      return killCgroup(cell.tag);
    case 'environ':
      return killEnvironCell(cell.tag);
    default:
      return assertNever(cell.kind);
  }
}

const REMOVE_ATTEMPTS = 50;
const REMOVE_RETRY_MAX_MS = 50;

/**
 * Removes a cell after killCell. A cgroup is killed again first (what is left would keep it from
 * being removed) and can only be removed once its killed members have exited, so removal is
 * retried for about two seconds; resolves true once removed. Never rejects: a cgroup that could
 * not be removed is empty and costs the kernel a directory. An environment marker is nothing to
 * remove, and needs no second scan: once killCell found no process with it, none can appear.
 */
export async function releaseCell(cell: ProcessCell | undefined): Promise<boolean> {
  if (cell === undefined || cell.kind === 'environ' || !isCell(cell)) return true;
  for (let attempt = 0; attempt < REMOVE_ATTEMPTS; attempt++) {
    killCgroup(cell.tag);
    if (removeCgroup(cell.tag)) return true;
    // Not unref'd: a shutdown awaits this, and must not end with the event loop before it does.
    await new Promise((resolve) => setTimeout(resolve, Math.min(REMOVE_RETRY_MAX_MS, 2 ** attempt)));
  }
  return false;
}

/** Whether execvp would find `command` and be allowed to run it, as spawn() decides. */
export function isExecutable(command: string, cwd: string, searchPath: string | undefined): boolean {
  const candidates = command.includes('/')
    ? [path.resolve(cwd, command)]
    : (searchPath ?? '').split(path.delimiter).filter(Boolean).map((dir) => path.resolve(cwd, dir, command));
  return candidates.some((file) => {
    try {
      accessSync(file, constants.X_OK);
      return statSync(file).isFile();
    } catch {
      return false; // missing or not executable: try the next directory
    }
  });
}
