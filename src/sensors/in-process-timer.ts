import { pino } from 'pino';
import { type Clock, systemClock } from './timer/precise-timer.js';
import { TimerSensor } from './timer/timer-sensor.js';
import type { SensorRun, SensorRunExit, SensorRunOptions } from './sensor-types.js';

/** The ref of the core pack's timer sensor, the one sensor that can run in-process. */
export const CORE_TIMER_SENSOR_REF = 'core.interval_timer_sensor';

const LOG_LEVELS: ReadonlySet<string> = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']);

/**
 * The core timer sensor run inside Attune rather than as a Node process of its own (~50 MB):
 * the same TimerSensor that `dist/sensors/timer/main.js` runs, fed the same inputs (the
 * ATTUNE_SENSOR_* environment it would get, then `{"type":"triggers",…}` lines) and giving the
 * same event lines and JSON log lines, without the pipe. To its supervisor it is a run like a
 * child's: an exception in the timer code ends it as a crash (logged, restarted with backoff),
 * never the service.
 */
export class InProcessTimerRun implements SensorRun {
  readonly pid = null;
  readonly cell = undefined;
  readonly exited: Promise<SensorRunExit>;
  readonly closed: Promise<void>;
  readonly #log: pino.Logger;
  #sensor: TimerSensor | undefined;
  #resolveExit: (exit: SensorRunExit) => void = () => undefined;
  #hasExited = false;
  #isStopRequested = false;

  /** `leadMs`: the precise timer's spin lead, 0 under fake timers (tests); the default otherwise. */
  constructor(options: SensorRunOptions, tuning: { readonly leadMs?: number } = {}) {
    const { env } = options;
    const wanted = env.ATTUNE_LOG_LEVEL?.toLowerCase() ?? 'info';
    const sensorRef = env.ATTUNE_SENSOR_REF ?? CORE_TIMER_SENSOR_REF;
    // The sensor's log lines go where a child's stderr goes: its sensor log, line by line.
    const sink = { write: (text: string) => options.onStderrLine(text.endsWith('\n') ? text.slice(0, -1) : text) };
    this.#log = pino({ level: LOG_LEVELS.has(wanted) ? wanted : 'info', base: { sensor: sensorRef } }, sink);
    // The exit is reported on a later microtask, as a child's is, never from inside the constructor.
    this.exited = new Promise<SensorRunExit>((resolve) => (this.#resolveExit = resolve)).then((exit) => {
      options.onExit(exit);
      return exit;
    });
    this.closed = this.exited.then(() => undefined);
    this.#guard(() => {
      // A timer left armed by a crash that stopped it only half way must not deliver for a dead run.
      const emitLine = (line: string) => this.#hasExited || options.onStdoutLine(line);
      this.#sensor = new TimerSensor({ sensorRef, emitLine, log: this.#log, clock: this.#guardedClock(), ...tuning });
      this.#sensor.start(env.ATTUNE_SENSOR_TRIGGERS);
    });
  }

  get isStarted(): boolean {
    return !this.#hasExited;
  }

  get isStopRequested(): boolean {
    return this.#isStopRequested;
  }

  writeLine(line: string): void {
    if (this.#hasExited) return;
    this.#guard(() => this.#sensor?.handleControlLine(line));
  }

  // Fires are bounded by the instances (each timer has one fire pending), so there is no stream to
  // hold back: lines wait in the supervisor's delivery queue.
  pauseOutput(): void {}

  resumeOutput(): void {}

  stop(): Promise<SensorRunExit> {
    this.#isStopRequested = true;
    if (!this.#hasExited) {
      this.#guard(() => this.#sensor?.stop());
      this.#finish({ code: 0, signal: null });
    }
    return this.exited;
  }

  /** The real clock, whose timeouts run the timer code under #guard. */
  #guardedClock(): Clock {
    return {
      now: () => systemClock.now(),
      setTimeout: (callback, delayMs) => systemClock.setTimeout(() => this.#guard(callback), delayMs),
      clearTimeout: (handle) => systemClock.clearTimeout(handle),
    };
  }

  /** Runs timer code; an exception ends this run as a crash would end a process. */
  #guard(step: () => void): void {
    try {
      step();
    } catch (err) {
      this.#crash(err);
    }
  }

  #crash(err: unknown): void {
    if (this.#hasExited) return;
    const message = err instanceof Error ? err.message : String(err);
    this.#log.fatal({ err }, 'timer sensor crashed');
    try {
      this.#sensor?.stop();
    } catch (stopErr) {
      // Its timers may be half cleared; the run ends either way, and a restart makes a new one.
      this.#log.error({ err: stopErr }, 'timer sensor did not stop cleanly');
    }
    this.#finish({ code: null, signal: null, reason: `crashed: ${message}` });
  }

  #finish(exit: SensorRunExit): void {
    this.#hasExited = true;
    this.#sensor = undefined;
    this.#resolveExit(exit);
  }
}
