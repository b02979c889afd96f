import { readFileSync } from 'node:fs';
import type { ProcessCell, ProcessIdentity } from '../domain/index.js';
import { killCell, releaseCell } from './cell.js';
import { ownerOf } from './cell-owner.js';
import { cgroupMembers } from './cgroup.js';
import { signalGroup } from './process-group.js';
import { readStart } from './proc-fs.js';

// A pid alone could, after a crash, name an unrelated process: the start time (/proc/<pid>/stat
// field 22) and the boot id make the identity safe to act on.

function readBoot(): string | undefined {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return undefined; // not Linux
  }
}

/** The identity of a live process, or undefined where /proc cannot tell it. */
export function identifyProcess(pid: number): ProcessIdentity | undefined {
  const start = readStart(pid);
  const boot = readBoot();
  return start === undefined || boot === undefined ? undefined : { pid, start, boot };
}

/**
 * Whether the recorded cell is still the recorded process's to end. A cgroup cell is reused by
 * the process that made it once a run is done with it (see cell-owner.ts): while that process
 * runs, the cell may hold another run by now, and that process itself swept it when the recorded
 * process exited. So such a cell is acted on only while the recorded process is still in it;
 * once its maker is gone (or it names none, or is an environment marker, which is never reused),
 * all that is in it is left of that maker's runs.
 */
function isStillItsCell(cell: ProcessCell, pid: number, isSameProcess: boolean): boolean {
  if (cell.kind === 'environ') return true;
  const owner = ownerOf(cell.tag);
  if (owner === 'gone' || owner === 'unknown') return true;
  return isSameProcess && cgroupMembers(cell.tag).includes(pid);
}

/**
 * Ends what is left of an action or sensor whose supervisor died (kill -9 of `attune up`): its
 * process group, only if the very same process still runs (a reused pid is left alone), and
 * everything in its cell, which holds nothing but what that process started, even when the
 * process itself is gone (unless the cell's maker still runs and may have reused it since: see
 * isStillItsCell). Returns whether anything was still running.
 */
export function killOrphanedProcess(identity: ProcessIdentity): boolean {
  if (readBoot() !== identity.boot) return false; // rebooted since: nothing of it can run
  const isSameProcess = readStart(identity.pid) === identity.start;
  // Looked at before the group is killed: a dead process is in no cell.
  const cell = identity.cell !== undefined && isStillItsCell(identity.cell, identity.pid, isSameProcess) ? identity.cell : undefined;
  if (isSameProcess) signalGroup(identity.pid, 'SIGKILL');
  const inCell = killCell(cell);
  // A cell whose maker is gone is removed once its killed members have exited; nothing waits for
  // that. A cell of a live maker is its to take back (releaseCell leaves it alone here).
  void releaseCell(cell);
  return isSameProcess || inCell > 0;
}
