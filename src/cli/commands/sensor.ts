import type { Command } from 'commander';
import type { SensorJson, SensorLogJson } from '../../api-contract/index.js';
import { AppError, escapeControlCharacters } from '../../domain/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { type Column, formatScalar, writeOut } from '../output.js';
import { printDocument, printList } from '../print.js';

const SENSOR_COLUMNS: readonly Column<SensorJson>[] = [
  { header: 'ref', value: (sensor) => sensor.ref },
  { header: 'state', value: (sensor) => (sensor.enabled ? sensor.status.state : `${sensor.status.state} (disabled)`) },
  // The core timer sensor runs inside `attune up` by default: it has no pid of its own.
  { header: 'pid', value: (sensor) => (sensor.status.in_process && sensor.status.state !== 'stopped' ? 'in-process' : formatScalar(sensor.status.pid)) },
  { header: 'instances', value: (sensor) => String(sensor.status.instances) },
  { header: 'restarts', value: (sensor) => String(sensor.status.restarts) },
  { header: 'triggers', value: (sensor) => sensor.trigger_types.join(', '), maxWidth: 70 },
];

/** The most log lines the API serves in one request. */
const MAX_LOG_LINES = 1000;

const logLimit = (value: string): number => {
  const limit = parsePositiveInteger('--limit')(value);
  if (limit > MAX_LOG_LINES) throw new AppError('ERR_CLI_USAGE', `--limit must be at most ${MAX_LOG_LINES}, got ${limit}`);
  return limit;
};

export function registerSensorCommands(program: Command): void {
  const sensor = program.command('sensor').description('inspect sensors (the processes that emit events) and their logs');

  sensor
    .command('list')
    .description('list sensors with their process state (a sensor runs while an enabled rule uses one of its triggers)')
    .addHelpText('after', '\nExample:\n  $ attune sensor list')
    .action(async (_options: unknown, command: Command) => {
      const context = createContext(command);
      const page = await (await context.client()).list<SensorJson>('/sensors');
      await printList(context, page, SENSOR_COLUMNS);
    });

  sensor
    .command('show')
    .description('show one sensor with its process status')
    .argument('<ref>', 'sensor ref, e.g. core.interval_timer_sensor')
    .addHelpText('after', '\nExample:\n  $ attune sensor show core.interval_timer_sensor')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<SensorJson>(`/sensors/${encodeURIComponent(ref)}`));
    });

  sensor
    .command('logs')
    .description("print a sensor's recent log lines as <at> <stream> <line>: its stderr, and what Attune noticed (stream attune)")
    .argument('<ref>', 'sensor ref')
    .option('--limit <n>', `the last n lines (default 100, at most ${MAX_LOG_LINES})`, logLimit)
    .addHelpText('after', '\nExample:\n  $ attune sensor logs core.interval_timer_sensor --limit 20')
    .action(async (ref: string, options: { limit?: number }, command: Command) => {
      const context = createContext(command);
      const route = `/sensors/${encodeURIComponent(ref)}/logs`;
      const lines = await (await context.client()).get<readonly SensorLogJson[]>(route, { limit: options.limit });
      if (context.mode !== 'table') {
        await printDocument(context, lines);
        return;
      }
      if (lines.length === 0) writeOut('(no log lines)');
      // The server escapes what sensors write; an older server may not, and a terminal must never
      // get a sensor's escape sequences.
      else writeOut(lines.map((entry) => escapeControlCharacters(`${entry.at} ${entry.stream} ${entry.line}`)).join('\n'));
    });
}
