import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';

/**
 * Everything the benchmark starts and must not leave behind: child processes and temp data dirs.
 * `run.ts` installs one instance's `releaseAll` on exit and on signals, so an error or Ctrl-C
 * never leaves an `attune up` running.
 */
export class Cleanup {
  readonly #children = new Set<ChildProcess>();
  readonly #dirs = new Set<string>();

  trackChild(child: ChildProcess): void {
    this.#children.add(child);
    child.once('exit', () => this.#children.delete(child));
  }

  trackDir(dir: string): void {
    this.#dirs.add(dir);
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
    for (const dir of this.#dirs) rmSync(dir, { recursive: true, force: true });
    this.#dirs.clear();
  }
}
