import { readFileSync } from 'node:fs';
import type { ProcessIdentity } from '../domain/index.js';
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
 * Kills the process group of an action whose supervisor died (kill -9 of `attune up`): only if
 * the very same process still runs. Returns whether it did.
 */
export function killOrphanedAction(identity: ProcessIdentity): boolean {
  if (readBoot() !== identity.boot || readStart(identity.pid) !== identity.start) return false;
  signalGroup(identity.pid, 'SIGKILL');
  return true;
}
