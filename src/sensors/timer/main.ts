/* eslint-disable no-restricted-syntax -- a standalone sensor program: the subprocess protocol (DESIGN §4) hands it its input in the environment. */
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { isPlainObject } from './timer-types.js';
import { TimerScheduler, type TimerLogger, type TimerPayload } from './timer-scheduler.js';

// The timer sensor (`core.interval_timer_sensor`): env and stdin in, one JSON
// event per line on stdout, logs as JSON lines on stderr (stdout is the protocol).

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function createLogger(): pino.Logger {
  const wanted = process.env['ATTUNE_LOG_LEVEL']?.toLowerCase() ?? 'info';
  const level = (LOG_LEVELS as readonly string[]).includes(wanted) ? wanted : 'info';
  const sensorRef = process.env['ATTUNE_SENSOR_REF'] ?? 'core.interval_timer_sensor';
  return pino({ level, base: { sensor: sensorRef } }, pino.destination({ fd: 2, sync: true }));
}

function readInitialInstances(log: TimerLogger): unknown {
  const text = process.env['ATTUNE_SENSOR_TRIGGERS'];
  if (text === undefined || text.trim() === '') return [];
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // Start with no timers rather than die: the service sends the list again on the next rule change.
    const reason = err instanceof Error ? err.message : String(err);
    log.error({ reason }, 'ATTUNE_SENSOR_TRIGGERS is not valid JSON');
    return [];
  }
}

/** Applies one stdin line `{"type":"triggers","triggers":[…]}`; anything else is logged and ignored. */
function handleControlLine(line: string, scheduler: TimerScheduler, log: TimerLogger): void {
  if (line.trim() === '') return;
  let message: unknown;
  try {
    message = JSON.parse(line) as unknown;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    log.error({ reason, line: line.slice(0, 200) }, 'stdin line is not valid JSON; ignored');
    return;
  }
  if (!isPlainObject(message) || message['type'] !== 'triggers' || !Array.isArray(message['triggers'])) {
    log.error({ line: line.slice(0, 200) }, 'stdin line is not a {"type":"triggers","triggers":[...]} message; ignored');
    return;
  }
  const summary = scheduler.update(message['triggers']);
  log.info({ started: summary.started, kept: summary.kept, stopped: summary.stopped }, 'trigger instances updated');
}

function writeEvent(payload: TimerPayload): void {
  process.stdout.write(`${JSON.stringify(payload)}\n`);
}

function run(): void {
  const log = createLogger();
  const sensorRef = process.env['ATTUNE_SENSOR_REF'] ?? 'core.interval_timer_sensor';
  const scheduler = new TimerScheduler({ sensorRef, emit: writeEvent, log });
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let isStopping = false;
  const shutdown = (reason: string): void => {
    if (isStopping) return;
    isStopping = true;
    log.info({ reason }, 'timer sensor stopping');
    scheduler.stop();
    input.close();
    // Nothing else holds the event loop once timers and stdin are gone: the process exits 0 on its own.
    process.stdin.destroy();
    process.exitCode = 0;
  };
  // A write error on stdout means the reader is gone: nothing more can be delivered.
  process.stdout.on('error', (err) => {
    log.error({ err }, 'stdout failed');
    shutdown('stdout error');
  });
  input.on('line', (line) => handleControlLine(line, scheduler, log));
  // stdin ends when the sensor service (our parent) closes it or dies.
  input.on('close', () => shutdown('stdin closed'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  const summary = scheduler.update(readInitialInstances(log));
  log.info({ started: summary.started, errors: summary.errors.length }, 'timer sensor started');
}

run();
