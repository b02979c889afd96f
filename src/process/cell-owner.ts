import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { readStart } from './proc-fs.js';

/**
 * A cell's name says which process made it: `cell-<pid>-<start time>-<random>`. That process
 * alone reuses its cells (see cell-pool.ts), so while it runs a cell may hold another run than
 * the one a record names, and only it may act on the cell; once it is gone, what is left in its
 * cells is left of its runs, and anyone may end and remove it. The start time tells the maker
 * from a later process with its pid. Cells of older Attune versions (`action-7-<random>`) and
 * made where this process's start time cannot be read name no maker.
 */
const OWNED_NAME = /^cell-(\d+)-(\d+)-[0-9a-f]{12}$/;

/** Whose a cell is: this process's, another live process's, a process gone since, or nobody known. */
export type CellOwner = 'self' | 'alive' | 'gone' | 'unknown';

let ownStart: string | undefined | null = null;

function selfStart(): string | undefined {
  if (ownStart === null) ownStart = readStart(process.pid);
  return ownStart;
}

/** A new cell name with this process as its maker (with none when its start time is unknown). */
export function newCellName(): string {
  const start = selfStart();
  const random = randomBytes(6).toString('hex');
  return start === undefined ? `cell-${random}` : `cell-${process.pid}-${start}-${random}`;
}

export function ownerOf(dir: string): CellOwner {
  const match = OWNED_NAME.exec(path.basename(dir));
  if (match === null) return 'unknown';
  const [, pid, start] = match;
  if (Number(pid) === process.pid && start === selfStart()) return 'self';
  return readStart(Number(pid)) === start ? 'alive' : 'gone';
}
