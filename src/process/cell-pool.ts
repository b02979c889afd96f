import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ProcessCell } from '../domain/index.js';
import { type CgroupKind, createCellCgroup, removeCgroup } from './cgroup.js';
import { ownerOf } from './cell-owner.js';

// Making and removing a cgroup are costly kernel operations (mkdir and rmdir in cgroupfs took
// ~17 % of `attune up`'s CPU answering webhooks that run core.shell): a cell its run left empty
// is kept and given to the next run instead. The pool belongs to this process, which made the
// cells (their names say so, see cell-owner.ts): nothing else reuses them, and nothing else acts
// on them while this process runs.

/** Empty cells kept per cell root; a cell released beyond these is removed. */
export const MAX_FREE_CELLS = 32;

/**
 * A free cell made longer ago than this is removed instead of reused. An older Attune removes
 * empty cells it finds 10 minutes after they were made (by their mtime, which joining does not
 * change), not knowing that one may be kept for reuse: this keeps every free cell younger.
 */
const FREE_CELL_MAX_AGE_MS = 5 * 60_000;

interface Made {
  readonly dir: string;
  readonly madeAt: number;
}

/** Free cells by root, the last released on top. */
const free = new Map<string, Made[]>();
/** The cells in use, by directory: the cell object handed out is the lease, which only its run holds. */
const leases = new Map<string, { readonly cell: ProcessCell; readonly madeAt: number }>();
let isExitHooked = false;

/** A cell under `root` for one run: a free one, else a new one. Throws when none can be made. */
export function leaseCell(kind: CgroupKind, root: string): ProcessCell {
  const now = Date.now();
  const stack = free.get(root) ?? [];
  let made: Made | undefined;
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    // One removed meanwhile by hand (or by another Attune that could not tell its maker runs)
    // would fail the run that joins it: a stat (µs) is cheap insurance.
    if (now - next.madeAt < FREE_CELL_MAX_AGE_MS && existsSync(next.dir)) {
      made = next;
      break;
    }
    removeCgroup(next.dir);
  }
  made ??= { dir: createCellCgroup(root), madeAt: now };
  const cell: ProcessCell = Object.freeze({ kind, tag: made.dir });
  if (ownerOf(made.dir) === 'self') leases.set(made.dir, { cell, madeAt: made.madeAt });
  return cell;
}

/**
 * Whether `cell` is the lease of a cell of this process in use: false for a stale copy (a cell
 * recorded for a run that is done with it, which another run may hold now), and for a cell
 * this process did not make.
 */
export function holdsLease(cell: ProcessCell): boolean {
  return leases.get(cell.tag)?.cell === cell;
}

/** Takes back the cell of a run, which must have been found empty: kept for the next run, or removed when enough are kept. */
export function returnCell(cell: ProcessCell): void {
  const lease = leases.get(cell.tag);
  if (lease?.cell !== cell) return;
  leases.delete(cell.tag);
  const root = path.dirname(cell.tag);
  const stack = free.get(root) ?? [];
  if (stack.length >= MAX_FREE_CELLS || Date.now() - lease.madeAt >= FREE_CELL_MAX_AGE_MS) {
    removeCgroup(cell.tag);
    return;
  }
  stack.push({ dir: cell.tag, madeAt: lease.madeAt });
  free.set(root, stack);
  if (!isExitHooked) {
    isExitHooked = true;
    // A process that ends without removeFreeCells (a CLI run, a test) takes its free cells with it.
    process.once('exit', removeFreeCells);
  }
}

/** Gives up a cell that could not be emptied: it is neither kept nor removed here (a later start removes it once empty). */
export function forgetLease(cell: ProcessCell): void {
  if (leases.get(cell.tag)?.cell === cell) leases.delete(cell.tag);
}

/** How many free cells are kept under `root` (for tests and the shutdown log). */
export function freeCellCount(root: string): number {
  return free.get(root)?.length ?? 0;
}

/** Removes every free cell: at shutdown. Cells in use are their runs' to release. */
export function removeFreeCells(): void {
  for (const stack of free.values()) {
    for (const { dir } of stack.splice(0)) removeCgroup(dir);
  }
  free.clear();
}
