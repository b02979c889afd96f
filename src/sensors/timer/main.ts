/* eslint-disable no-restricted-syntax -- a standalone sensor program: the subprocess protocol (DESIGN §4) hands it its input in the environment. */
import { createInterface } from 'node:readline';
import { pino } from 'pino';
import { TimerSensor } from './timer-sensor.js';

// The timer sensor (`core.interval_timer_sensor`) as a process: env and stdin in, one JSON
// event per line on stdout, logs as JSON lines on stderr (stdout is the protocol). By default
// the sensor service runs the same TimerSensor in-process instead (in-process-timer.ts).

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

function createLogger(): pino.Logger {
  const wanted = process.env['ATTUNE_LOG_LEVEL']?.toLowerCase() ?? 'info';
  const level = (LOG_LEVELS as readonly string[]).includes(wanted) ? wanted : 'info';
  const sensorRef = process.env['ATTUNE_SENSOR_REF'] ?? 'core.interval_timer_sensor';
  return pino({ level, base: { sensor: sensorRef } }, pino.destination({ fd: 2, sync: true }));
}

function run(): void {
  const log = createLogger();
  const sensorRef = process.env['ATTUNE_SENSOR_REF'] ?? 'core.interval_timer_sensor';
  const sensor = new TimerSensor({ sensorRef, emitLine: (line) => process.stdout.write(`${line}\n`), log });
  const input = createInterface({ input: process.stdin, crlfDelay: Infinity });
  let isStopping = false;
  const shutdown = (reason: string): void => {
    if (isStopping) return;
    isStopping = true;
    log.info({ reason }, 'timer sensor stopping');
    sensor.stop();
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
  input.on('line', (line) => sensor.handleControlLine(line));
  // stdin ends when the sensor service (our parent) closes it or dies.
  input.on('close', () => shutdown('stdin closed'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  sensor.start(process.env['ATTUNE_SENSOR_TRIGGERS']);
}

run();
