import type { Logger } from 'pino';
import { assertNever } from '../domain/index.js';
import { restartDelayMs } from './sensor-backoff.js';
import { describeChildExit } from '../process/index.js';
import { SensorChild } from './sensor-child.js';
import { parseSensorLine } from './sensor-lines.js';
import { SensorLog } from './sensor-log.js';
import { instancesKey, serializeInstances, triggersMessage } from './sensor-triggers.js';
import type {
  SensorEmission,
  SensorExit,
  SensorLaunch,
  SensorLogEntry,
  SensorProcessOptions,
  SensorRun,
  SensorRunExit,
  SensorRunOptions,
  SensorState,
  SensorStatus,
  TriggerInstance,
} from './sensor-types.js';

export type {
  SensorAlert,
  SensorEmission,
  SensorExit,
  SensorLaunch,
  SensorLogEntry,
  SensorLogStream,
  SensorProcessOptions,
  SensorRun,
  SensorRunExit,
  SensorRunOptions,
  SensorState,
  SensorStatus,
  TriggerInstance,
} from './sensor-types.js';
export { SENSOR_LOG_STREAMS, SENSOR_STATES } from './sensor-types.js';
export { restartDelayMs } from './sensor-backoff.js';

/** Longest stdout line accepted as an event; longer lines are logged and skipped. */
export const MAX_SENSOR_LINE_BYTES = 1024 * 1024;
/** Emissions waiting for onEvents before stdout reading pauses (and resumes once half are done). */
const PAUSE_AT_PENDING = 1000;
/** Most emissions handed to one onEvents call: one transaction and one commit for a burst of lines. */
const MAX_BATCH = 500;

const DEFAULTS = {
  restartBaseMs: 5_000,
  restartMaxMs: 300_000,
  alertAfterFailures: 3,
  killGraceMs: 2_000,
  logLines: 1_000,
  stableAfterMs: 60_000,
} as const;

/**
 * Supervises one sensor process (DESIGN §4): starts it while it has trigger instances, turns its
 * stdout lines into emissions, keeps its stderr as its log, restarts it with backoff when it dies
 * and stops its whole process group on request. Lifecycle steps run one at a time on a queue, so
 * a burst of update() calls can never leave two processes running.
 */
export class SensorProcess {
  readonly #opts: SensorProcessOptions & typeof DEFAULTS;
  readonly #launch: SensorLaunch;
  readonly #log: Logger;
  readonly #logs: SensorLog;
  readonly #triggerTypes: ReadonlySet<string>;
  #instances: readonly TriggerInstance[] = [];
  #instanceIds: ReadonlySet<number> = new Set();
  #key = instancesKey([]);
  #child: SensorRun | null = null;
  /** The instance key the running child was started with or last told about. */
  #childKey: string | null = null;
  #state: SensorState = 'stopped';
  #restarts = 0;
  #failures = 0;
  #lastExit: SensorExit | null = null;
  #nextRestartAt: string | null = null;
  #backoffTimer: NodeJS.Timeout | null = null;
  #stableTimer: NodeJS.Timeout | null = null;
  #ops: Promise<void> = Promise.resolve();
  #deliveries: Promise<void> = Promise.resolve();
  /** Emissions parsed but not yet handed to onEvents, in stdout order, each with the run that printed it. */
  #waiting: { readonly child: SensorRun; readonly emission: SensorEmission }[] = [];
  #pendingDeliveries = 0;

  constructor(options: SensorProcessOptions) {
    const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
    this.#opts = { ...DEFAULTS, ...defined } as SensorProcessOptions & typeof DEFAULTS;
    this.#launch = options.launch;
    this.#log = options.log.child({ sensorRef: options.launch.ref });
    this.#triggerTypes = new Set(options.launch.triggerTypes);
    this.#logs = new SensorLog({
      capacity: this.#opts.logLines,
      ...(options.logFile === undefined ? {} : { file: options.logFile, fileMaxBytes: options.logFileMaxBytes, fileMaxFiles: options.logFileMaxFiles }),
      onFileError: (err) => this.#log.warn({ err, logFile: options.logFile }, 'sensor log file not writable'),
      onAdd: () => this.#opts.onChange?.('logs'),
    });
  }

  #setState(state: SensorState): void {
    this.#state = state;
    this.#opts.onChange?.('status');
  }

  /**
   * Sets the trigger instances. Empty: stop the process. Otherwise start it if stopped; if it
   * runs with other instances, send them on stdin (live-updating sensors) or restart it with the
   * new environment. During backoff the pending restart picks up the latest list.
   */
  update(instances: readonly TriggerInstance[]): void {
    const key = instancesKey(instances);
    if (key === this.#key) return;
    this.#setInstances(instances, key);
    this.#opts.onChange?.('status');
    void this.#enqueue(() => this.#reconcile());
  }

  /**
   * Stops the process (stdin closed, SIGTERM to the group, SIGKILL after the grace period) and
   * cancels any pending restart. Resolves once it has exited and every line it printed has been
   * handed to onEvents. A later update() with instances starts it again.
   */
  async stop(): Promise<void> {
    this.#setInstances([], instancesKey([]));
    await this.#enqueue(() => this.#reconcile());
    await this.#deliveries;
    await this.#logs.closeFile();
  }

  status(): SensorStatus {
    return {
      ref: this.#launch.ref,
      state: this.#state,
      pid: this.#child?.pid ?? null,
      restarts: this.#restarts,
      consecutiveFailures: this.#failures,
      lastExit: this.#lastExit,
      nextRestartAt: this.#nextRestartAt,
      instances: this.#instances.length,
      inProcess: this.#opts.runInProcess !== undefined,
    };
  }

  /** The newest `limit` log lines (all kept lines by default), oldest first. */
  logs(limit?: number): readonly SensorLogEntry[] {
    return this.#logs.tail(limit);
  }

  #setInstances(instances: readonly TriggerInstance[], key: string): void {
    this.#instances = [...instances];
    this.#instanceIds = new Set(instances.map((i) => i.id));
    this.#key = key;
  }

  /** Queues a lifecycle step; the returned promise never rejects (failures are logged). */
  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#ops = this.#ops.then(step).catch((err: unknown) => {
      // A step only fails on a bug or an unexpected system error; the next step must still run.
      this.#log.error({ err }, 'sensor supervision step failed');
    });
    return this.#ops;
  }

  async #reconcile(): Promise<void> {
    if (this.#instances.length === 0) {
      await this.#halt();
      return;
    }
    const child = this.#child;
    if (child === null) {
      // In backoff the timer starts the sensor, with the latest instances; rule edits must not
      // bypass the backoff of a crashing sensor.
      if (this.#state !== 'backoff') this.#start();
      return;
    }
    if (this.#childKey === this.#key) return;
    if (this.#launch.liveUpdates) {
      child.writeLine(triggersMessage(this.#instances));
      this.#childKey = this.#key;
      this.#log.info({ instances: this.#instances.length }, 'sensor trigger instances sent');
      return;
    }
    await this.#halt();
    this.#start();
  }

  async #halt(): Promise<void> {
    this.#cancelBackoff();
    const child = this.#child;
    if (child !== null) {
      this.#setState('stopping');
      await child.stop(this.#opts.killGraceMs);
      // Every line the process printed is parsed (and queued for onEvents) once its pipes close.
      await child.closed;
    }
    this.#setState('stopped');
  }

  #start(): void {
    this.#setState('starting');
    this.#childKey = this.#key;
    const env = { ...this.#opts.env, ...this.#opts.currentEnv?.(), ATTUNE_SENSOR_TRIGGERS: serializeInstances(this.#instances) };
    const runOptions: SensorRunOptions = {
      launch: this.#launch,
      env,
      maxLineBytes: MAX_SENSOR_LINE_BYTES,
      ...(this.#opts.containment ? { containment: this.#opts.containment } : {}),
      onStdoutLine: (line) => this.#onStdoutLine(child, line),
      onStdoutOverflow: (bytes, head) => this.#notice(`skipped stdout line: longer than ${MAX_SENSOR_LINE_BYTES} bytes (${bytes}): ${head}`),
      onStderrLine: (line) => {
        const entry = this.#logs.add('stderr', line);
        this.#log.debug({ line: entry.line }, 'sensor stderr'); // escaped: attune.log is read in terminals too
      },
      onNotice: (message) => this.#notice(message),
      onExit: (exit) => this.#onExit(child, exit),
    };
    const child: SensorRun = this.#opts.runInProcess?.(runOptions) ?? new SensorChild(runOptions);
    this.#child = child;
    if (!child.isStarted) return; // a spawn error follows on a microtask or as an 'error' event
    this.#setState('running');
    if (child.pid !== null) this.#opts.onProcessStarted?.(child.pid, child.cell);
    this.#logs.add('attune', child.pid === null ? 'started in-process' : `started pid ${child.pid}`);
    this.#log.info({ pid: child.pid, instances: this.#instances.length }, 'sensor started');
    this.#stableTimer = setTimeout(() => {
      // Long enough up: the failure streak is over, the next crash backs off from the base delay.
      if (this.#child !== child) return;
      this.#failures = 0;
      this.#opts.onChange?.('status');
    }, this.#opts.stableAfterMs);
    this.#stableTimer.unref();
  }

  #onStdoutLine(child: SensorRun, line: string): void {
    const parsed = parseSensorLine(line, { triggerTypes: this.#triggerTypes, instanceIds: this.#instanceIds });
    switch (parsed.kind) {
      case 'blank':
        return;
      case 'rejected':
        this.#notice(`skipped stdout line: ${parsed.reason}`);
        return;
      case 'emission':
        this.#deliver(child, parsed.emission);
        return;
      default:
        assertNever(parsed);
    }
  }

  /**
   * Queues an emission. Batches go to onEvents one at a time in stdout order: while one is being
   * stored, the lines that arrive wait and go together in the next (a burst costs a few
   * transactions, not one per line; a lone timer line goes at once, alone).
   */
  #deliver(child: SensorRun, emission: SensorEmission): void {
    this.#pendingDeliveries += 1;
    if (this.#pendingDeliveries === PAUSE_AT_PENDING) child.pauseOutput();
    this.#waiting.push({ child, emission });
    if (this.#waiting.length === 1) this.#deliveries = this.#deliveries.then(() => this.#deliverWaiting());
  }

  async #deliverWaiting(): Promise<void> {
    while (this.#waiting.length > 0) {
      const batch = this.#waiting.slice(0, MAX_BATCH);
      try {
        await this.#opts.onEvents(batch.map((w) => w.emission));
      } catch (err) {
        // The service owns retries of its own writes; an error here means it gave up on these
        // events. Stopping would lose every later event too, so log it and go on with the next lines.
        this.#log.error({ err, events: batch.length }, 'sensor events not handled');
      } finally {
        // Removed only now: a line arriving meanwhile sees a non-empty queue and does not start a second drain.
        this.#waiting.splice(0, batch.length);
        const before = this.#pendingDeliveries;
        this.#pendingDeliveries -= batch.length;
        if (before > PAUSE_AT_PENDING / 2 && this.#pendingDeliveries <= PAUSE_AT_PENDING / 2) batch[batch.length - 1]!.child.resumeOutput();
      }
    }
  }

  #onExit(child: SensorRun, exit: SensorRunExit): void {
    if (this.#child === child) this.#child = null;
    if (this.#opts.runInProcess === undefined) this.#opts.onProcessEnded?.();
    if (this.#stableTimer !== null) clearTimeout(this.#stableTimer);
    this.#stableTimer = null;
    this.#lastExit = { code: exit.code, signal: exit.signal, at: new Date().toISOString() };
    const message = exit.reason ?? describeChildExit(exit, this.#launch.command);
    this.#logs.add('attune', message);
    if (child.isStopRequested) {
      this.#log.info({ code: exit.code, signal: exit.signal }, 'sensor stopped');
      return;
    }
    this.#failures += 1;
    const delay = restartDelayMs(this.#failures, this.#opts.restartBaseMs, this.#opts.restartMaxMs);
    this.#setState('backoff');
    this.#nextRestartAt = new Date(Date.parse(this.#lastExit.at) + delay).toISOString(); // the status states the delay exactly
    this.#log.warn({ code: exit.code, signal: exit.signal, failures: this.#failures, delayMs: delay }, 'sensor exited unexpectedly');
    this.#backoffTimer = setTimeout(() => {
      this.#backoffTimer = null;
      void this.#enqueue(() => this.#restartAfterBackoff());
    }, delay);
    this.#backoffTimer.unref();
    if (this.#failures === this.#opts.alertAfterFailures) this.#raiseAlert(message);
  }

  async #restartAfterBackoff(): Promise<void> {
    if (this.#state !== 'backoff' || this.#child !== null) return;
    this.#nextRestartAt = null;
    if (this.#instances.length === 0) {
      this.#setState('stopped');
      return;
    }
    this.#restarts += 1;
    this.#start();
  }

  #cancelBackoff(): void {
    if (this.#backoffTimer !== null) clearTimeout(this.#backoffTimer);
    this.#backoffTimer = null;
    this.#nextRestartAt = null;
  }

  #raiseAlert(lastMessage: string): void {
    const alert = {
      sensorRef: this.#launch.ref,
      consecutiveFailures: this.#failures,
      lastExit: this.#lastExit,
      message: `sensor ${this.#launch.ref} failed ${this.#failures} times in a row; last: ${lastMessage}`,
    };
    this.#log.error({ failures: this.#failures }, 'sensor keeps failing');
    Promise.resolve()
      .then(() => this.#opts.onAlert(alert))
      .catch((err: unknown) => {
        // The alert is advisory; the restart loop goes on whether or not it could be recorded.
        this.#log.error({ err }, 'sensor alert not delivered');
      });
  }

  #notice(message: string): void {
    this.#logs.add('attune', message);
    this.#log.warn({ detail: message }, 'sensor protocol problem');
  }
}
