import { randomUUID } from 'node:crypto';
import { killPid, listPids, parentPid, readEnviron, sleepSync } from './proc-fs.js';

/**
 * The fallback cell where no cgroup is writable: a marker in the environment, which every
 * descendant inherits (setsid or not) and which /proc/<pid>/environ shows. A process started with
 * a cleared environment (`env -i`) loses the marker; it is still found while its parent is, by
 * following parent links, but not once that parent has gone.
 */
export const CELL_ENV = 'ATTUNE_CELL';

export function newEnvironMarker(): string {
  return randomUUID();
}

/** Pids whose environment carries the marker, and the descendants of those still linked to them. */
export function environMembers(marker: string): number[] {
  const entry = Buffer.from(`${CELL_ENV}=${marker}\0`);
  const inside = Buffer.concat([Buffer.of(0), entry]);
  const members = new Set<number>();
  const others: number[] = [];
  for (const pid of listPids()) {
    const environ = readEnviron(pid);
    const isMember = environ !== undefined && (environ.subarray(0, entry.length).equals(entry) || environ.includes(inside));
    if (isMember) members.add(pid);
    else others.push(pid);
  }
  if (members.size === 0) return []; // the usual case, answered without reading any parent link
  const parents = new Map(others.map((pid) => [pid, parentPid(pid)]));
  // Children are listed after their parents far more often than not, but not always: repeat
  // until no process joins.
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (ppid === undefined || !members.has(ppid)) continue;
      members.add(pid);
      parents.delete(pid);
      grew = true;
    }
  }
  return [...members];
}

const KILL_ROUNDS = 200;

/**
 * Kills every process of the cell, round after round (a process may fork between our look and
 * our signal; its child carries the marker and is found in the next round) until a look finds
 * none. A zombie has an empty environ, so one left unreaped does not hold this up. Returns how
 * many processes it found in the first look.
 */
export function killEnvironCell(marker: string): number {
  let found = 0;
  for (let round = 0; round < KILL_ROUNDS; round++) {
    const members = environMembers(marker);
    if (round === 0) found = members.length;
    if (members.length === 0) break;
    for (const pid of members) killPid(pid);
    sleepSync(1); // let the killed processes exit before looking again
  }
  return found;
}
