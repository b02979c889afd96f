export interface IdleCheckpointOptions {
  /** How long no commit must have happened before the checkpoint runs. */
  readonly idleMs: number;
  /** Commits since the last checkpoint below which there is too little to move to be worth two syncs. */
  readonly minCommits: number;
}

export const IDLE_CHECKPOINT_DEFAULTS: IdleCheckpointOptions = Object.freeze({ idleMs: 20, minCommits: 32 });

/**
 * Moves the write-ahead log into the database file once the store has been idle for a moment,
 * rather than inside whichever commit happens to fill the log. SQLite's automatic checkpoint runs
 * in the committing call, at 1,000 pages: it copies up to 4 MB and syncs twice, and on this store's
 * one connection the event loop, and so whatever the commit was for (an event on its way to its
 * execution), waits for it: a few milliseconds every few hundred commits. Run between bursts of
 * work, the checkpoint is smaller and nobody is waiting; under load that leaves no idle moment the
 * automatic checkpoint still bounds the log.
 */
export class IdleCheckpointer {
  readonly #checkpoint: () => void;
  readonly #isIdle: () => boolean;
  readonly #options: IdleCheckpointOptions;
  #commits = 0;
  #timer: NodeJS.Timeout | undefined;

  /** `isIdle` tells whether a checkpoint may run now: no transaction open on the connection. */
  constructor(checkpoint: () => void, isIdle: () => boolean, options: IdleCheckpointOptions = IDLE_CHECKPOINT_DEFAULTS) {
    this.#checkpoint = checkpoint;
    this.#isIdle = isIdle;
    this.#options = options;
  }

  /** Called after every commit: the checkpoint waits for `idleMs` without one. */
  noteCommit(): void {
    this.#commits++;
    if (this.#commits < this.#options.minCommits) return;
    if (this.#timer) {
      this.#timer.refresh();
      return;
    }
    // Never keeps the process alive: what is left in the log is safe there, and moved at the next open.
    this.#timer = setTimeout(() => this.#run(), this.#options.idleMs).unref();
  }

  close(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run(): void {
    this.#timer = undefined;
    if (!this.#isIdle()) {
      this.#timer = setTimeout(() => this.#run(), this.#options.idleMs).unref();
      return;
    }
    this.#commits = 0;
    try {
      this.#checkpoint();
    } catch {
      // A checkpoint that could not run now (disk trouble) is retried by SQLite's automatic one, and
      // a failing disk shows up in the next commit, which reports it to whoever wrote.
    }
  }
}
