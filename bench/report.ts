import os from 'node:os';
import type { Options } from './run.js';
import type { Summary } from './stats.js';
import type { ThroughputSummary } from './throughput.js';

/** The machine the figures belong to; recorded with every result. */
export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memory_gb: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    // Other work on the machine skews every figure: the load when the benchmark started says how much.
    load_avg_1m: Number(os.loadavg()[0]!.toFixed(2)),
  };
}

export interface BenchResults {
  readonly date: string;
  readonly host: ReturnType<typeof machine>;
  readonly options: Options;
  readonly seconds: string;
  readonly coldStart: Summary;
  readonly idleRss: Summary | undefined;
  readonly cliRun: Summary;
  readonly throughput: { readonly noop: ThroughputSummary; readonly echo: ThroughputSummary; readonly peakRss: Summary | undefined };
}

type Row = readonly [name: string, summary: Summary | undefined, unit: string, note?: string];

function printTable(rows: readonly Row[]): void {
  const lines = rows.map(([name, s, unit, note]) => [
    name,
    s === undefined ? 'n/a' : String(s.median),
    unit,
    s === undefined ? '' : `${s.min} – ${s.max}`,
    String(s?.samples.length ?? 0),
    note ?? '',
  ]);
  const header = ['benchmark', 'median', 'unit', 'min – max', 'n', 'notes'];
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 1 ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`\n${format(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const line of lines) process.stdout.write(`${format(line)}\n`);
}

/** The readable table, the machine line, then the one JSON line that tools read (always last). */
export function printReport(r: BenchResults): void {
  const { options, host, throughput } = r;
  const failedNote = (t: ThroughputSummary) => `${t.completed} completed, ${t.failed} failed`;
  printTable([
    ['cold start of attune up', r.coldStart, 'ms'],
    ['idle RSS of attune up', r.idleRss, 'MB', `after ${options.idleMs} ms idle`],
    ['attune run core.echo (CLI)', r.cliRun, 'ms', 'spawn to exit'],
    ['core.noop throughput', throughput.noop.perSecond, 'exec/s', `${options.noopCount}/run, ${failedNote(throughput.noop)}`],
    ['core.echo throughput', throughput.echo.perSecond, 'exec/s', `${options.echoCount}/run, ${failedNote(throughput.echo)}`],
    ['peak RSS after throughput', throughput.peakRss, 'MB', 'VmHWM of attune up'],
  ]);
  for (const [name, t] of [['core.noop', throughput.noop], ['core.echo', throughput.echo]] as const) {
    for (const [reason, n] of Object.entries(t.failures)) process.stdout.write(`  ${name} failure ×${n}: ${reason}\n`);
  }
  process.stdout.write(
    `\n${host.cpu} ×${host.cpus}, ${host.memory_gb} GB, ${host.os}, Node ${host.node}; ` +
      `load ${host.load_avg_1m} at start; ${r.date}; took ${r.seconds} s\n\n`,
  );

  const report = {
    bench: 'attune',
    date: r.date,
    machine: host,
    settings: {
      runs: options.runs,
      cli_runs: options.cliRuns,
      noop_count: options.noopCount,
      echo_count: options.echoCount,
      concurrency: options.concurrency,
      idle_ms: options.idleMs,
      worker_concurrency: process.env.ATTUNE__WORKER__CONCURRENCY ?? 'default (16)',
    },
    results: {
      cold_start_ms: r.coldStart,
      idle_rss_mb: r.idleRss ?? null,
      cli_run_echo_ms: r.cliRun,
      noop_exec_per_s: { ...throughput.noop.perSecond, completed: throughput.noop.completed, failed: throughput.noop.failed },
      echo_exec_per_s: { ...throughput.echo.perSecond, completed: throughput.echo.completed, failed: throughput.echo.failed },
      peak_rss_after_throughput_mb: throughput.peakRss ?? null,
    },
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
