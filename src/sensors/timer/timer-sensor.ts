import { isPlainObject } from './timer-types.js';
import { TimerScheduler, type TimerLogger } from './timer-scheduler.js';
import type { Clock } from './precise-timer.js';

export interface TimerSensorOptions {
  /** `sensor_ref` of every payload (ATTUNE_SENSOR_REF). */
  readonly sensorRef: string;
  /** Receives each event line (one JSON object, no newline), in fire order. */
  readonly emitLine: (line: string) => void;
  readonly log: TimerLogger;
  /** The real clock unless given; the in-process run wraps it to catch a crash of a fire. */
  readonly clock?: Clock;
  readonly leadMs?: number;
}

/**
 * The timer sensor's side of the subprocess protocol (DESIGN §4), whatever carries it: the
 * instance list in (ATTUNE_SENSOR_TRIGGERS, then `{"type":"triggers",…}` lines), one JSON event
 * line per fire out. `main.ts` wires it to a process's env, stdin and stdout; the sensor service
 * runs it in-process with the same lines (in-process-timer.ts).
 */
export class TimerSensor {
  readonly #scheduler: TimerScheduler;
  readonly #log: TimerLogger;

  constructor(options: TimerSensorOptions) {
    this.#log = options.log;
    this.#scheduler = new TimerScheduler({
      sensorRef: options.sensorRef,
      emit: (payload) => options.emitLine(JSON.stringify(payload)),
      log: options.log,
      ...(options.clock === undefined ? {} : { clock: options.clock }),
      ...(options.leadMs === undefined ? {} : { leadMs: options.leadMs }),
    });
  }

  /** Starts the timers of the initial instance list (the ATTUNE_SENSOR_TRIGGERS text). */
  start(triggersJson: string | undefined): void {
    const summary = this.#scheduler.update(this.#parseInitial(triggersJson));
    this.#log.info({ started: summary.started, errors: summary.errors.length }, 'timer sensor started');
  }

  /** Applies one control line `{"type":"triggers","triggers":[…]}`; anything else is logged and ignored. */
  handleControlLine(line: string): void {
    if (line.trim() === '') return;
    let message: unknown;
    try {
      message = JSON.parse(line) as unknown;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      this.#log.error({ reason, line: line.slice(0, 200) }, 'stdin line is not valid JSON; ignored');
      return;
    }
    if (!isPlainObject(message) || message['type'] !== 'triggers' || !Array.isArray(message['triggers'])) {
      this.#log.error({ line: line.slice(0, 200) }, 'stdin line is not a {"type":"triggers","triggers":[...]} message; ignored');
      return;
    }
    const summary = this.#scheduler.update(message['triggers']);
    this.#log.info({ started: summary.started, kept: summary.kept, stopped: summary.stopped }, 'trigger instances updated');
  }

  stop(): void {
    this.#scheduler.stop();
  }

  #parseInitial(text: string | undefined): unknown {
    if (text === undefined || text.trim() === '') return [];
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      // Start with no timers rather than die: the service sends the list again on the next rule change.
      const reason = err instanceof Error ? err.message : String(err);
      this.#log.error({ reason }, 'ATTUNE_SENSOR_TRIGGERS is not valid JSON');
      return [];
    }
  }
}
