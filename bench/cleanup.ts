import type { ChildProcess } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

/**
 * Everything the benchmark starts and must not leave behind: child processes and temp data dirs.
 * `run.ts` installs one instance's `releaseAll` on exit and on signals, so an error or Ctrl-C
 * never leaves an `attune up` running.
 */
export class Cleanup {
  readonly #children = new Set<ChildProcess>();
  readonly #dirs = new Set<string>();
  /** Grandchildren (sensor processes of `attune up`), with a text their command line must contain. */
  readonly #pids = new Map<number, string>();

  trackChild(child: ChildProcess): void {
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
  }

  trackDir(dir: string): void {
    this.#dirs.add(dir);
  }

  /**
   * A process the benchmark did not spawn itself but must not leave behind (a sensor of `attune up`,
   * orphaned if attune is SIGKILLed). `marker` guards against the pid having been reused.
   */
  trackPid(pid: number, marker: string): void {
    this.#pids.set(pid, marker);
  }

  /** SIGKILLs a tracked pid if it is still alive; true when it had to. */
  killPid(pid: number): boolean {
    const marker = this.#pids.get(pid);
    this.#pids.delete(pid);
    if (marker === undefined || !isAlive(pid, marker)) return false;
    try {
      process.kill(pid, 'SIGKILL');
      return true;
    } catch {
      // Gone between the check and the kill: nothing left to do.
      return false;
    }
  }

  removeDir(dir: string): void {
    rmSync(dir, { recursive: true, force: true });
    this.#dirs.delete(dir);
  }

  /** Synchronous so it can run in a process 'exit' handler: SIGKILL what is still alive, delete dirs. */
  releaseAll(): void {
    for (const child of this.#children) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    this.#children.clear();
    for (const pid of [...this.#pids.keys()]) this.killPid(pid);
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
    this.#dirs.clear();
  }
}

/** Whether `pid` is alive and still the process we mean (its command line contains `marker`). */
export function isAlive(pid: number, marker: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
  } catch {
    // No such process (or no /proc): treated as gone.
    return false;
  }
}
