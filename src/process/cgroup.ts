import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { newCellName, ownerOf } from './cell-owner.js';
import { killPid, sleepSync } from './proc-fs.js';

export type CgroupKind = 'cgroup2' | 'cgroup1';

/** A cgroup hierarchy this process belongs to, and its own cgroup directory in it. */
export interface OwnCgroup {
  readonly kind: CgroupKind;
  readonly dir: string;
}

/**
 * The wrapper every contained process starts as: it moves itself into the cell (`$0`), then execs
 * the real program with the same pid. The program therefore runs no instruction outside the cell,
 * and neither can anything it forks, setsid or not.
 */
const JOIN_SCRIPT =
  'echo $$ > "$0/cgroup.procs" || { echo "attune: could not enter the process cell $0" >&2; exit 125; }; exec "$@"';
export const SHELL = '/bin/sh';
/** The directory, under this process's own cgroup, that cells are made in. */
export const CELLS_DIR = 'attune';

export function cgroupLaunch(dir: string, command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: SHELL, args: ['-c', JOIN_SCRIPT, dir, command, ...args] };
}

/** Creates a new empty cgroup under `root`, named after `label`. */
export function createCgroup(root: string, label: string): string {
  const dir = path.join(root, `${label}-${randomBytes(6).toString('hex')}`);
  mkdirSync(dir);
  return dir;
}

/** Creates a new empty cell under `root`, named after this process, its maker (see cell-owner.ts). */
export function createCellCgroup(root: string): string {
  const dir = path.join(root, newCellName());
  mkdirSync(dir);
  return dir;
}

/** Moves this process (all its threads) into the cgroup. */
export function enterCgroup(dir: string): void {
  writeFileSync(path.join(dir, 'cgroup.procs'), String(process.pid));
}

/** Pids in the cgroup itself (not in cgroups below it). */
function directMembers(dir: string): number[] {
  try {
    return readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return []; // removed already: nothing is in it
  }
}

/** Pids in the cgroup and in every cgroup below it (nested cells of an Attune run inside one). */
export function cgroupMembers(dir: string): number[] {
  const pids = directMembers(dir);
  let entries: string[];
  try {
    entries = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return []; // removed already: nothing is in it
  }
  return [...pids, ...entries.flatMap((name) => cgroupMembers(path.join(dir, name)))];
}

/** `cgroup.events` of a cgroup v2 directory (`populated 0|1`, `frozen 0|1`); empty when it is gone. */
function readEvents(dir: string): string {
  try {
    return readFileSync(path.join(dir, 'cgroup.events'), 'utf8');
  } catch {
    return ''; // removed already: nothing is in it
  }
}

/** Whether a process is in the cgroup or below it: cgroup v2 says so in `cgroup.events`. */
function isPopulated(dir: string, kind: CgroupKind): boolean {
  return kind === 'cgroup1' ? cgroupMembers(dir).length > 0 : readEvents(dir).includes('populated 1');
}

/** The cgroups right below `dir`; undefined when `dir` itself is gone. */
function childCgroups(dir: string): string[] | undefined {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => path.join(dir, entry.name));
  } catch {
    return undefined; // removed already
  }
}

/**
 * What a cgroup holds: `vacant` is as good as new (no process in it or below it, no cgroup below
 * it, not frozen), `populated` has a process, `altered` has no process but cgroups below it or
 * was left frozen (by what ran in it); `gone` is removed.
 */
export function cgroupState(dir: string, kind: CgroupKind): 'vacant' | 'populated' | 'altered' | 'gone' {
  // One read answers both on cgroup v2; cgroup v1 has no `cgroup.events`, and its freezer is thawed after every kill.
  const events = kind === 'cgroup2' ? readEvents(dir) : undefined;
  const isBusy = events === undefined ? cgroupMembers(dir).length > 0 : events.includes('populated 1');
  if (isBusy) return 'populated';
  const children = childCgroups(dir);
  if (children === undefined) return 'gone';
  return children.length > 0 || events?.includes('frozen 1') === true ? 'altered' : 'vacant';
}

const KILL_ROUNDS = 200;

/**
 * Kills every process in the cgroup; returns how many there were. cgroup v2's `cgroup.kill` does
 * it in one step, forks in flight included. Elsewhere the cgroup is frozen, so nothing in it can
 * fork, while each member gets SIGKILL, then thawed so they die; without a freezer, members are
 * killed round after round until none is left.
 */
export function killCgroup(dir: string, kind: CgroupKind): number {
  // The usual case, a cell its process left empty, answered by one read on cgroup v2.
  if (!isPopulated(dir, kind)) return 0;
  const found = cgroupMembers(dir).length;
  if (found === 0) return 0;
  if (existsSync(path.join(dir, 'cgroup.kill'))) {
    writeFileSync(path.join(dir, 'cgroup.kill'), '1');
    return found;
  }
  const freezer = freezerOf(dir);
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const members = cgroupMembers(dir);
    if (members.length === 0) break;
    freezer?.freeze();
    for (const pid of members) killPid(pid);
    freezer?.thaw();
    sleepSync(1); // let the killed processes exit before looking again
  }
  return found;
}

interface Freezer {
  freeze(): void;
  thaw(): void;
}

function freezerOf(dir: string): Freezer | undefined {
  const v2 = path.join(dir, 'cgroup.freeze');
  if (existsSync(v2)) return { freeze: () => writeFileSync(v2, '1'), thaw: () => writeFileSync(v2, '0') };
  const v1 = path.join(dir, 'freezer.state');
  if (!existsSync(v1)) return undefined;
  return {
    freeze: () => {
      writeFileSync(v1, 'FROZEN');
      // FREEZING until every task has stopped; usually at once. Bounded: a task stuck in the
      // kernel still gets its SIGKILL, it merely might fork once more first.
      for (let i = 0; i < 100 && readFileSync(v1, 'utf8').trim() !== 'FROZEN'; i++) sleepSync(1);
    },
    thaw: () => writeFileSync(v1, 'THAWED'),
  };
}

/** Removes the cgroup (and any below it); false while a process is still in it (EBUSY). */
export function removeCgroup(dir: string): boolean {
  try {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && !removeCgroup(path.join(dir, entry.name))) return false;
    }
    rmdirSync(dir);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === 'ENOENT'; // gone already; EBUSY: members still exiting
  }
}

/** The cgroup hierarchies this process is in that could hold cells: v2, then v1 freezer, then v1 pids. */
export function ownCgroups(): OwnCgroup[] {
  let mountinfo: string;
  let membership: string;
  try {
    mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
    membership = readFileSync('/proc/self/cgroup', 'utf8');
  } catch {
    return []; // not Linux
  }
  const mounts = mountinfo.split('\n').map(parseMount).filter((m) => m !== undefined);
  const paths = membership.split('\n').map((line) => line.split(':'));
  const found: OwnCgroup[] = [];
  const v2 = mounts.find((m) => m.fstype === 'cgroup2');
  const v2Path = paths.find((p) => p[0] === '0' && p[1] === '')?.[2];
  if (v2 && v2Path !== undefined) found.push({ kind: 'cgroup2', dir: joinMount(v2, v2Path) });
  for (const controller of ['freezer', 'pids']) {
    const mount = mounts.find((m) => m.fstype === 'cgroup' && m.superOptions.includes(controller));
    const own = paths.find((p) => p[1]?.split(',').includes(controller))?.[2];
    if (mount && own !== undefined) found.push({ kind: 'cgroup1', dir: joinMount(mount, own) });
  }
  // A path that does not list this process belongs to another namespace's view: unusable.
  return found.filter((own) => directMembers(own.dir).includes(process.pid));
}

interface Mount {
  readonly root: string;
  readonly mountPoint: string;
  readonly fstype: string;
  readonly superOptions: readonly string[];
}

/** One line of /proc/self/mountinfo: `id parent dev root mountpoint opts [optional…] - fstype source superopts`. */
function parseMount(line: string): Mount | undefined {
  const [before, after] = line.split(' - ');
  if (before === undefined || after === undefined) return undefined;
  const fields = before.split(' ');
  const [fstype, , superOptions] = after.split(' ');
  if (fields[3] === undefined || fields[4] === undefined || fstype === undefined) return undefined;
  return { root: unescapeMount(fields[3]), mountPoint: unescapeMount(fields[4]), fstype, superOptions: (superOptions ?? '').split(',') };
}

function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

function joinMount(mount: Mount, cgroupPath: string): string {
  const relative = path.posix.relative(mount.root, cgroupPath);
  return relative.startsWith('..') ? '' : path.join(mount.mountPoint, relative);
}

/** An empty cell this old that names no maker is garbage: a cell is joined within moments of being made. */
const STALE_CELL_MS = 10 * 60_000;

/**
 * Removes empty cells left under `root` by an Attune killed before it could remove them (the
 * next start removes those it recorded, but not those of a data dir since deleted, as in tests,
 * nor the empty cells it kept for reuse). A cell with a process in it cannot be removed (EBUSY).
 * A cell whose maker still runs is left to it: it may be kept for reuse. One that names no maker
 * (an older Attune's) may be about to be joined by another Attune while young: only old ones go.
 */
export function removeStaleCells(root: string, olderThanMs = STALE_CELL_MS): void {
  let entries: string[];
  try {
    entries = readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name);
  } catch {
    return; // no root yet: nothing left behind
  }
  for (const name of entries) {
    const dir = path.join(root, name);
    try {
      const owner = ownerOf(dir);
      if (owner === 'self' || owner === 'alive') continue;
      // mtime has a finer grain than Date.now(): a cell made this very millisecond has age 0.
      const isOld = owner === 'gone' || Math.max(0, Date.now() - statSync(dir).mtimeMs) >= olderThanMs;
      if (isOld && cgroupMembers(dir).length === 0) removeCgroup(dir);
    } catch {
      // Removed meanwhile by its own Attune: what we wanted.
      continue;
    }
  }
}

/**
 * Makes `<own>/attune` the parent of cells and checks that a process can really move itself into
 * a cell there (permissions, delegation). Returns the parent, or why it cannot be used.
 */
export function probeCgroupRoot(own: OwnCgroup): { root: string } | { error: string } {
  if (own.dir === '') return { error: `no usable ${own.kind} directory` };
  const root = path.join(own.dir, CELLS_DIR);
  let cell: string | undefined;
  try {
    mkdirSync(root, { recursive: true });
    removeStaleCells(root);
    cell = createCgroup(root, 'probe');
    const launch = cgroupLaunch(cell, 'true', []);
    const result = spawnSync(launch.command, launch.args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
    if (result.status !== 0) return { error: `cannot move a process into ${cell}: ${result.error?.message ?? result.stderr.trim()}` };
    return { root };
  } catch (error) {
    return { error: `cannot create cgroups under ${root}: ${error instanceof Error ? error.message : String(error)}` };
  } finally {
    if (cell !== undefined) removeCgroup(cell);
  }
}
