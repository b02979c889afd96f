import { readdirSync, readFileSync } from 'node:fs';

// Small readers of Linux's /proc, shared by the cell kinds. Each returns "nothing" where /proc
// cannot answer (not Linux, or the process exited while we looked): callers treat a process they
// cannot see as gone.

const NUMERIC = /^\d+$/;

/** Every pid in /proc except this process's own. */
export function listPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((entry) => NUMERIC.test(entry))
      .map(Number)
      .filter((pid) => pid !== process.pid);
  } catch {
    return []; // no /proc: nothing can be listed
  }
}

/** The parent pid (field 4 of /proc/<pid>/stat), or undefined when the process is gone. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its ')'.
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    return Number.isInteger(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

/** The start time (field 22 of /proc/<pid>/stat, clock ticks since boot), or undefined when the process is gone. */
export function readStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined; // gone already, or no /proc (not Linux): nothing to identify
  }
}

/** The raw environment a process was started with, or undefined when it cannot be read. */
export function readEnviron(pid: number): Buffer | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`);
  } catch {
    return undefined; // gone, or another user's process
  }
}

/** Sends SIGKILL; false when the process is already gone or not ours to signal. */
export function killPid(pid: number): boolean {
  try {
    process.kill(pid, 'SIGKILL');
    return true;
  } catch {
    // ESRCH (gone) or EPERM (changed credentials): either way there is nothing more we can do.
    return false;
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the thread for `ms`. Used only inside the bounded loops that end a cell, which must be
 * synchronous (they run in 'exit' handlers and just before a process is started again), and wait
 * a few milliseconds at most per round.
 */
export function sleepSync(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
