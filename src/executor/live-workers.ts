import type { Logger } from 'pino';
import type { RunnerType } from '../domain/index.js';
import type { WorkerRepository } from '../store/index.js';
import { PeriodicTask } from '../supervisor/index.js';

/** A miss is looked up again at most this often: a worker may have registered since the last refresh. */
const LOOK_AGAIN_MS = 1000;

export interface LiveWorkersOptions {
  readonly workers: Pick<WorkerRepository, 'list'>;
  readonly log: Logger;
  /** How often the view is read again: the workers' heart-beat period. */
  readonly refreshMs: number;
  /** A worker silent this long counts as gone even before an executor declares it dead. */
  readonly heartbeatTimeoutMs: number;
  /** Called after a refresh with the runtimes no live worker offered before and one does now. */
  readonly onGained?: (runtimes: readonly RunnerType[]) => Promise<void>;
}

/**
 * Which runtimes live workers offer, kept in memory: dispatching asks it for every execution, so
 * reading the workers table each time would put a query on the embedded hot path. It is read
 * again every heart-beat period, and on a miss (at most once a second).
 */
export class LiveWorkers {
  readonly #options: LiveWorkersOptions;
  readonly #task: PeriodicTask;
  #offered: ReadonlySet<RunnerType> = new Set();
  #refreshedAt = 0;
  #refreshing: Promise<void> | undefined;

  constructor(options: LiveWorkersOptions) {
    this.#options = options;
    this.#task = new PeriodicTask('executor.live-workers', options.refreshMs, () => this.refresh(), options.log);
  }

  async start(): Promise<void> {
    await this.refresh();
    this.#task.start();
  }

  stop(): Promise<void> {
    return this.#task.stop();
  }

  /** Whether a live worker offers `runtime`; on a miss, reads the table again first unless it just did. */
  async offers(runtime: RunnerType): Promise<boolean> {
    if (this.#offered.has(runtime)) return true;
    if (Date.now() - this.#refreshedAt >= LOOK_AGAIN_MS) await this.refresh();
    return this.#offered.has(runtime);
  }

  /** Reads the workers table; concurrent calls share one read. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#read().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #read(): Promise<void> {
    const since = new Date(Date.now() - this.#options.heartbeatTimeoutMs).toISOString();
    const workers = await this.#options.workers.list();
    const offered = new Set(workers.filter((w) => w.status === 'live' && w.heartbeatAt >= since).flatMap((w) => w.runtimes));
    const gained = [...offered].filter((runtime) => !this.#offered.has(runtime));
    this.#offered = offered;
    this.#refreshedAt = Date.now();
    // Not awaited: a dispatch that looked again on a miss must not wait for the re-drive it starts.
    if (gained.length > 0) this.#options.onGained?.(gained).catch((error: unknown) => this.#options.log.error({ err: error }, 'could not dispatch executions waiting for a runtime'));
  }
}
