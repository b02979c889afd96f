import { readFileSync } from 'node:fs';
import type { ProcessIdentity } from '../domain/index.js';
import { killCell, releaseCell } from './cell.js';
import { signalGroup } from './process-group.js';

// A pid alone could, after a crash, name an unrelated process: the start time (/proc/<pid>/stat
// field 22) and the boot id make the identity safe to act on.

function readStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined; // gone already, or no /proc (not Linux): nothing to identify
  }
}

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
 * Ends what is left of an action or sensor whose supervisor died (kill -9 of `attune up`): its
 * process group, only if the very same process still runs (a reused pid is left alone), and
 * everything in its cell, which holds nothing but what that process started, even when the
 * process itself is gone. Returns whether anything was still running.
 */
export function killOrphanedProcess(identity: ProcessIdentity): boolean {
  if (readBoot() !== identity.boot) return false; // rebooted since: nothing of it can run
  const isSameProcess = readStart(identity.pid) === identity.start;
  if (isSameProcess) signalGroup(identity.pid, 'SIGKILL');
  const inCell = killCell(identity.cell);
  // The cell is removed once its killed members have exited; nothing waits for that.
  void releaseCell(identity.cell);
  return isSameProcess || inCell > 0;
}
