import { existsSync, readFileSync } from 'node:fs';

/**
 * Whether `pid` runs: it exists and is not a zombie. A killed orphan stays a zombie until init
 * reaps it (and a container's pid 1 may never do so), yet it runs no more.
 */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, but belongs to someone else.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    // Reaped between the two looks; or there is no procfs, and signal 0 has answered.
    return !existsSync('/proc/self');
  }
}

/** Whether `pid` has been reaped: not even a zombie is left. Its parent has then seen it exit. */
export function isReaped(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

/** Sends SIGKILL to each pid still there; for clean-up after a failed test. */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone, as it should be
    }
  }
}

/** The pid a program under test wrote into `file`; 0 while it has not (yet). */
export function pidIn(file: string): number {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : 0;
  } catch {
    return 0;
  }
}
