import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { ProcessCell } from '../domain/index.js';
import { assertNever } from '../domain/index.js';
import { forgetLease, holdsLease, leaseCell, returnCell } from './cell-pool.js';
import { ownerOf } from './cell-owner.js';
import { CELLS_DIR, type CgroupKind, cgroupLaunch, cgroupState, enterCgroup, killCgroup, removeCgroup } from './cgroup.js';
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
 * An empty cell for one action or sensor process: under a cgroup kind, one a finished run left
 * empty where there is one (see cell-pool.ts), else a new one. Undefined for `none`. Throws when
 * the cgroup cannot be made. The object returned is the run's hold on the cell: releaseCell takes
 * back a cell of this process only from it.
 */
export function createCell(containment: Containment): ProcessCell | undefined {
  switch (containment.kind) {
    case 'cgroup2':
    case 'cgroup1':
      return leaseCell(containment.kind, containment.root);
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
      return killCgroup(cell.tag, cell.kind);
    case 'environ':
      return killEnvironCell(cell.tag);
    default:
      return assertNever(cell.kind);
  }
}

const RELEASE_ATTEMPTS = 50;
const RELEASE_RETRY_MAX_MS = 50;

/** Waits before looking at a cell again: its killed members take a moment to exit. */
function retryDelay(attempt: number): Promise<void> {
  // Not unref'd: a shutdown awaits this, and must not end with the event loop before it does.
  return new Promise((resolve) => setTimeout(resolve, Math.min(RELEASE_RETRY_MAX_MS, 2 ** attempt)));
}

/**
 * Lets go of a cell after its run: what is left in it is killed, and once its killed members have
 * exited (retried for about two seconds) a cell this process made goes back to the pool for the
 * next run (or is removed, when enough are kept), and any other is removed. Resolves true once
 * done; never rejects: a cgroup that could not be emptied costs the kernel a directory. A copy of
 * a cell of this process that is not the run's hold on it (a record of a run done with it, which
 * another run may hold now) is left alone, as is a cell of another process that still runs. An
 * environment marker is nothing to remove, and needs no second scan: once killCell found no
 * process with it, none can appear.
 */
export async function releaseCell(cell: ProcessCell | undefined): Promise<boolean> {
  if (cell === undefined || cell.kind === 'environ' || !isCell(cell)) return true;
  const owner = ownerOf(cell.tag);
  if (owner === 'self') return holdsLease(cell) ? recycleCell(cell, cell.kind) : true;
  if (owner === 'alive') return true; // another live process's cell: its own to take back
  for (let attempt = 0; attempt < RELEASE_ATTEMPTS; attempt++) {
    killCgroup(cell.tag, cell.kind);
    if (removeCgroup(cell.tag)) return true;
    await retryDelay(attempt);
  }
  return false;
}

/**
 * Puts the run's cell back in the pool once it is verifiably empty and as made: no process in it
 * or below it, no cgroup below it, not frozen.
 */
async function recycleCell(cell: ProcessCell, kind: CgroupKind): Promise<boolean> {
  for (let attempt = 0; attempt < RELEASE_ATTEMPTS; attempt++) {
    // Released twice at once, and given to another run meanwhile: that run's now.
    if (!holdsLease(cell)) return true;
    const state = cgroupState(cell.tag, kind);
    if (state === 'vacant') {
      returnCell(cell);
      return true;
    }
    if (state === 'gone') {
      forgetLease(cell);
      return true;
    }
    // Cgroups the run made below it (a nested Attune's cells, perhaps with controllers enabled,
    // which would keep the next run out), or frozen by it: not reused, removed.
    if (state === 'altered' && removeCgroup(cell.tag)) {
      forgetLease(cell);
      return true;
    }
    if (state === 'populated') killCgroup(cell.tag, kind);
    await retryDelay(attempt);
  }
  forgetLease(cell);
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
