import { assertNever } from '../../domain/index.js';
import { buildCronPayload, createCronSchedule, type CronPayload } from './cron.js';
import { buildDatetimePayload, createDatetimeSchedule, type DatetimePayload } from './datetime.js';
import { parseTimerInstances, type InstanceError, type TimerInstance } from './instances.js';
import { buildIntervalPayload, createIntervalSchedule, type IntervalPayload } from './interval.js';
import { DEFAULT_LEAD_MS, systemClock, TimerQueue, type CancelTimer, type Clock } from './precise-timer.js';
import type { FireInfo, TimerSchedule } from './timer-types.js';

/** One line on stdout: the event the sensor emits for one fire. */
export type TimerPayload = IntervalPayload | CronPayload | DatetimePayload;

/** The pino-compatible subset the scheduler logs through. */
export interface TimerLogger {
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface TimerSchedulerOptions {
  /** `sensor_ref` of every payload (ATTUNE_SENSOR_REF). */
  readonly sensorRef: string;
  /** Receives each fire's payload, synchronously, in fire order. Must not throw. */
  readonly emit: (payload: TimerPayload) => void;
  readonly log: TimerLogger;
  /** Defaults to the real clock and timers (resolved per call, so fake timers apply). */
  readonly clock?: Clock;
  /** Precise-timer spin lead; must be 0 with a fake clock. Default {@link DEFAULT_LEAD_MS}. */
  readonly leadMs?: number;
}

/** What one {@link TimerScheduler.update} did, by trigger instance id. */
export interface UpdateSummary {
  readonly started: readonly number[];
  readonly kept: readonly number[];
  readonly stopped: readonly number[];
  readonly errors: readonly InstanceError[];
}

interface RunningTimer {
  instance: TimerInstance;
  readonly schedule: TimerSchedule;
  executionCount: number;
  /** Undefined once the schedule is exhausted (a datetime that fired). */
  cancel: CancelTimer | undefined;
}

/**
 * Runs the timers of a set of trigger instances and emits one payload per
 * fire. `update` replaces the set: an instance whose id, ref and config are
 * unchanged keeps running undisturbed (same anchor, same execution_count);
 * removed ones stop; new or changed ones start fresh.
 */
export class TimerScheduler {
  readonly #options: TimerSchedulerOptions;
  readonly #clock: Clock;
  /** One clock timeout for all the timers: idle costs nothing however many there are. */
  readonly #queue: TimerQueue;
  readonly #running = new Map<number, RunningTimer>();

  constructor(options: TimerSchedulerOptions) {
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
    this.#queue = new TimerQueue(this.#clock, { leadMs: options.leadMs ?? DEFAULT_LEAD_MS });
  }

  /** Applies a raw instance list; invalid entries are logged and skipped, the rest are reconciled. */
  update(rawInstances: unknown): UpdateSummary {
    const { instances, errors } = parseTimerInstances(rawInstances);
    for (const error of errors) {
      this.#options.log.error({ index: error.index, instanceId: error.id, triggerRef: error.ref, reason: error.message }, 'trigger instance skipped');
    }
    const wanted = new Map(instances.map((instance) => [instance.id, instance]));
    const stopped = [...this.#running.keys()].filter((id) => !wanted.has(id));
    stopped.forEach((id) => this.#stopOne(id, 'removed'));
    const started: number[] = [];
    const kept: number[] = [];
    for (const instance of instances) {
      const current = this.#running.get(instance.id);
      if (current !== undefined && isUnchanged(current.instance, instance)) {
        current.instance = instance;
        kept.push(instance.id);
        continue;
      }
      if (current !== undefined) this.#stopOne(instance.id, 'changed');
      this.#start(instance);
      started.push(instance.id);
    }
    return { started, kept, stopped, errors };
  }

  /** Stops every timer; the scheduler can be reused with a new `update`. */
  stop(): void {
    [...this.#running.keys()].forEach((id) => this.#stopOne(id, 'stopped'));
    this.#queue.clear();
  }

  /** Ids of the instances currently held (including one-shots that already fired). */
  instanceIds(): readonly number[] {
    return [...this.#running.keys()];
  }

  #start(instance: TimerInstance): void {
    const entry: RunningTimer = {
      instance,
      schedule: createSchedule(instance, this.#clock.now()),
      executionCount: 0,
      cancel: undefined,
    };
    this.#running.set(instance.id, entry);
    const first = entry.schedule.first();
    this.#options.log.info(
      { instanceId: instance.id, ruleRef: instance.ruleRef, triggerRef: instance.ref, firstAt: first === undefined ? null : new Date(first).toISOString() },
      first === undefined ? 'timer not armed' : 'timer started',
    );
    this.#arm(entry, first);
  }

  #stopOne(id: number, reason: string): void {
    const entry = this.#running.get(id);
    entry?.cancel?.();
    this.#running.delete(id);
    this.#options.log.info({ instanceId: id, reason }, 'timer stopped');
  }

  #arm(entry: RunningTimer, at: number | undefined): void {
    entry.cancel = at === undefined ? undefined : this.#queue.schedule(at, (firedAt) => this.#fire(entry, at, firedAt));
  }

  #fire(entry: RunningTimer, scheduledAt: number, firedAt: number): void {
    entry.executionCount += 1;
    const fire: FireInfo = {
      firedAt,
      scheduledAt,
      executionCount: entry.executionCount,
      sensorRef: this.#options.sensorRef,
      triggerInstanceId: entry.instance.id,
    };
    // Arm the next fire before emitting, so the schedule survives whatever emit does.
    this.#arm(entry, entry.schedule.next(firedAt));
    this.#options.log.debug({ instanceId: entry.instance.id, offsetMs: firedAt - scheduledAt }, 'timer fired');
    this.#options.emit(buildPayload(entry.instance, fire));
  }
}

/**
 * Same ref and config → keep running. A newly set `fired` flag counts as a
 * change, so a pending one-shot is restarted dormant; clearing the flag does
 * not, so a one-shot that fired in this process never fires again.
 */
function isUnchanged(current: TimerInstance, next: TimerInstance): boolean {
  return (
    current.ref === next.ref && current.configKey === next.configKey && !(next.isFired && !current.isFired)
  );
}

function createSchedule(instance: TimerInstance, startedAt: number): TimerSchedule {
  switch (instance.ref) {
    case 'core.intervaltimer':
      return createIntervalSchedule(instance.spec, instance.anchorAt ?? startedAt, startedAt);
    case 'core.crontimer':
      return createCronSchedule(instance.spec, startedAt);
    case 'core.datetimetimer':
      return createDatetimeSchedule(instance.spec, instance.isFired);
    default:
      return assertNever(instance);
  }
}

function buildPayload(instance: TimerInstance, fire: FireInfo): TimerPayload {
  switch (instance.ref) {
    case 'core.intervaltimer':
      return buildIntervalPayload(instance.spec, fire);
    case 'core.crontimer':
      return buildCronPayload(instance.spec, fire);
    case 'core.datetimetimer':
      return buildDatetimePayload(instance.spec, fire);
    default:
      return assertNever(instance);
  }
}
