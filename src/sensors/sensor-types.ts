import type { Logger } from 'pino';
import type { ProcessCell } from '../domain/index.js';
import type { ChildExit, Containment } from '../process/index.js';

/** One enabled rule's use of a trigger, as the sensor sees it (DESIGN §4). */
export interface TriggerInstance {
  /** The rule id; a sensor line's `trigger_instance_id` refers to it. */
  readonly id: number;
  /** The trigger ref, e.g. `core.intervaltimer`. */
  readonly ref: string;
  readonly rule_ref: string;
  /** The rule's trigger_params. */
  readonly config: Readonly<Record<string, unknown>>;
  /** Set for a one-shot trigger that already fired, so the sensor never fires it twice. */
  readonly fired?: boolean;
  /** For an interval: the instant it counts from (when its rule was enabled), ISO 8601. */
  readonly anchor_at?: string;
}

/** How to start a sensor; resolved by the sensor service from the pack. */
export interface SensorLaunch {
  readonly ref: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  /** Trigger refs this sensor serves; lines naming any other trigger are skipped. */
  readonly triggerTypes: readonly string[];
  /** The sensor reads `{"type":"triggers",…}` lines on stdin instead of being restarted on rule changes. */
  readonly liveUpdates: boolean;
}

/** One valid stdout line: an event for the sensor service to store. */
export interface SensorEmission {
  readonly triggerRef: string;
  /** The targeted rule id, or null when the event is for every rule on the trigger. */
  readonly triggerInstanceId: number | null;
  readonly payload: unknown;
}

/** How one run of a sensor ended; `reason` describes an end that is not a process exit (a crash in-process). */
export interface SensorRunExit extends ChildExit {
  readonly reason?: string;
}

/** What one run of a sensor is given: the subprocess protocol's inputs, and where its outputs go. */
export interface SensorRunOptions {
  readonly launch: SensorLaunch;
  /** The complete environment (ATTUNE_SENSOR_TRIGGERS and the rest); nothing from the parent's environment is added. */
  readonly env: Readonly<Record<string, string>>;
  readonly maxLineBytes: number;
  /** Where the sensor and everything it starts is kept, to be ended with it (default: the process group alone). */
  readonly containment?: Containment;
  /** One event line (stdout). */
  readonly onStdoutLine: (line: string) => void;
  readonly onStdoutOverflow: (bytes: number, head: string) => void;
  /** One log line (stderr). */
  readonly onStderrLine: (line: string) => void;
  /** Problems the supervisor should log (e.g. a failed stdin write). */
  readonly onNotice: (message: string) => void;
  /** Called once with the exit, after the run has ended (for a process: its group and cell swept). */
  readonly onExit: (exit: SensorRunExit) => void;
}

/**
 * One run of a sensor, as its supervisor (SensorProcess) sees it: a child process (SensorChild) or
 * the core timer sensor inside Attune (InProcessTimerRun). Both speak the subprocess protocol.
 */
export interface SensorRun {
  /** The process id; null in-process or once exited. */
  readonly pid: number | null;
  /** The cell the process runs in, if there is containment. */
  readonly cell: ProcessCell | undefined;
  /** False when it could not start: its exit follows on a later microtask. */
  readonly isStarted: boolean;
  /** True once stop() was called: the exit that follows is expected, not a failure. */
  readonly isStopRequested: boolean;
  readonly exited: Promise<SensorRunExit>;
  /** Settles once every output line was handed over and everything the run held is released. */
  readonly closed: Promise<void>;
  /** One line on its stdin: the protocol's `{"type":"triggers",…}` update. */
  writeLine(line: string): void;
  /** Stops reading its output while the consumer is behind. */
  pauseOutput(): void;
  resumeOutput(): void;
  /** Ends the run (for a process: stdin closed, SIGTERM, SIGKILL after `graceMs`); resolves on exit. */
  stop(graceMs: number): Promise<SensorRunExit>;
}

export const SENSOR_STATES = ['stopped', 'starting', 'running', 'backoff', 'stopping'] as const;
export type SensorState = (typeof SENSOR_STATES)[number];

export interface SensorExit {
  readonly code: number | null;
  readonly signal: string | null;
  /** ISO timestamp. */
  readonly at: string;
}

export interface SensorStatus {
  readonly ref: string;
  readonly state: SensorState;
  readonly pid: number | null;
  /** Automatic restarts after unexpected exits (restarts for rule changes are not counted). */
  readonly restarts: number;
  readonly consecutiveFailures: number;
  /** The most recent exit of any kind, including spawn failures (code and signal null). */
  readonly lastExit: SensorExit | null;
  /** ISO timestamp of the pending restart while in `backoff`. */
  readonly nextRestartAt: string | null;
  readonly instances: number;
  /** Runs inside Attune rather than as a process of its own (the core timer sensor by default). */
  readonly inProcess: boolean;
}

export interface SensorAlert {
  readonly sensorRef: string;
  readonly consecutiveFailures: number;
  readonly lastExit: SensorExit | null;
  readonly message: string;
}

export const SENSOR_LOG_STREAMS = ['stderr', 'attune'] as const;
export type SensorLogStream = (typeof SENSOR_LOG_STREAMS)[number];

export interface SensorLogEntry {
  /** ISO timestamp. */
  readonly at: string;
  /** `stderr`: the sensor's own output; `attune`: what the supervisor noticed (skipped lines, exits). */
  readonly stream: SensorLogStream;
  readonly line: string;
}

export interface SensorProcessOptions {
  readonly launch: SensorLaunch;
  /** ATTUNE_SENSOR_REF, ATTUNE_API_URL, ATTUNE_LOG_LEVEL and the minimal PATH/HOME/LANG/TMPDIR, chosen by the caller. */
  readonly env: Readonly<Record<string, string>>;
  /** Variables read again at every (re)start, over `env`: the sensor's current API token. */
  readonly currentEnv?: () => Readonly<Record<string, string>>;
  /**
   * Called with the emissions waiting (one or more, in stdout order); the next batch is not
   * handed over until this settles. A throw is logged and the batch dropped.
   */
  readonly onEvents: (emissions: readonly SensorEmission[]) => Promise<void>;
  /** Called once per failure streak, when consecutive failures reach `alertAfterFailures`. */
  readonly onAlert: (alert: SensorAlert) => Promise<void>;
  readonly log: Logger;
  /** First restart delay after a crash (default 5000); doubles per consecutive failure. */
  readonly restartBaseMs?: number;
  /** Restart delay cap (default 300000). */
  readonly restartMaxMs?: number;
  /** Consecutive failures that raise the alert (default 3). */
  readonly alertAfterFailures?: number;
  /** Time between SIGTERM and SIGKILL to the process group on stop (default 2000). */
  readonly killGraceMs?: number;
  /** Log lines kept in memory (default 1000). */
  readonly logLines?: number;
  /** Also append every log line to this file, rotated at `logFileMaxBytes` keeping `logFileMaxFiles` old ones. */
  readonly logFile?: string;
  readonly logFileMaxBytes?: number;
  readonly logFileMaxFiles?: number;
  /** A process that ran this long ends the failure streak (default 60000). */
  readonly stableAfterMs?: number;
  /** Where each sensor process and everything it starts is kept, to be ended with it (default: the process group alone). */
  readonly containment?: Containment;
  /** Runs the sensor inside Attune with this, instead of as a child process (the core timer sensor). */
  readonly runInProcess?: (options: SensorRunOptions) => SensorRun;
  /** Told each process as it starts, so it can be found and ended should Attune die without stopping it. */
  readonly onProcessStarted?: (pid: number, cell: ProcessCell | undefined) => void;
  /** Told when that process has exited and its group and cell were swept. */
  readonly onProcessEnded?: () => void;
  /** Told when status() changed, or a log line was kept (synchronously, so it must be cheap). */
  readonly onChange?: (what: 'status' | 'logs') => void;
}
