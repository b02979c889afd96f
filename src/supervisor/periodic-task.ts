import type { Logger } from 'pino';

/**
 * Runs `task` again and again, `intervalMs` apart on average with jitter (so several processes
 * do not sweep together), never overlapping itself. `stop()` waits for a pass in progress.
 */
export class PeriodicTask {
  readonly #intervalMs: number;
  readonly #task: () => Promise<unknown>;
  readonly #log: Logger;
  readonly #name: string;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = true;

  constructor(name: string, intervalMs: number, task: () => Promise<unknown>, log: Logger) {
    this.#name = name;
    this.#intervalMs = intervalMs;
    this.#task = task;
    this.#log = log;
  }

  start(): void {
    this.#stopped = false;
    this.#arm();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  #arm(): void {
    const delay = this.#intervalMs / 2 + Math.random() * this.#intervalMs;
    this.#timer = setTimeout(() => {
      this.#running = this.#task()
        .then(() => undefined)
        .catch((error: unknown) => this.#log.error({ err: error, task: this.#name }, 'periodic task failed'))
        .finally(() => {
          this.#running = undefined;
          if (!this.#stopped) this.#arm();
        });
    }, delay);
    this.#timer.unref();
  }
}
