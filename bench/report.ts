import os from 'node:os';
import type { LatencyResult, PipelineResult } from './pipeline.js';
import type { Options } from './run.js';
import type { Distribution, Summary } from './stats.js';
import type { ThroughputSummary } from './throughput.js';
import type { TimerResult } from './timer.js';
import type { WebhookWaitResult } from './webhook-wait.js';
import type { WorkflowResult } from './workflow.js';

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
  readonly coldStart: Summary | undefined;
  readonly idleRss: Summary | undefined;
  /** RSS of attune up and every process under it, idle, one 1 s interval-timer rule enabled. */
  readonly treeRss: Summary | undefined;
  /** The part of treeRss that is not attune up itself (a timer sensor process, a spawner helper). */
  readonly treeRssOthers: Summary | undefined;
  readonly cliRun: Summary | undefined;
  readonly throughput: { readonly noop: ThroughputSummary; readonly echo: ThroughputSummary; readonly peakRss: Summary | undefined } | undefined;
  readonly pipeline: PipelineGroup | undefined;
  readonly latency: LatencyResult | undefined;
  readonly webhook: readonly WebhookWaitResult[] | undefined;
  readonly timer: TimerResult | undefined;
  readonly workflow?: WorkflowResult | undefined;
  /** Sensor burst → core.noop: completed executions per second over the runs, and the checks summed. */
  readonly distributed?: readonly DistributedResult[] | undefined;
  readonly sensorBurst?: { readonly perSecond: Summary; readonly cpuMsPerEvent: Summary | undefined; readonly events: number; readonly completed: number; readonly missing: number; readonly duplicates: number } | undefined;
}

/** One distributed run: each service its own process on PostgreSQL and RabbitMQ, `workers` workers. */
export interface DistributedResult {
  readonly workers: number;
  /** `attune db migrate`, then every process started → every health check 200. */
  readonly ready_ms: number;
  readonly noop: PipelineResult;
  readonly echo: PipelineResult;
  readonly latency: LatencyResult;
}

/** The pipeline group's figures: one `attune up`, `core.noop` then `core.echo`. */
export interface PipelineGroup {
  readonly noop: PipelineResult;
  readonly echo: PipelineResult;
  /** VmRSS with the bench pack and rules loaded, before any event. */
  readonly idleRssMb: number | undefined;
  /** VmRSS sampled every 250 ms while both runs went on. */
  readonly rssDuringLoadMb: Distribution | undefined;
  /** VmHWM after both runs. */
  readonly peakRssAfterLoadMb: number | undefined;
}

type Row = readonly [name: string, summary: Summary | undefined, unit: string, note?: string];

function printTable(rows: readonly Row[]): void {
  if (rows.length === 0) return;
  const lines = rows.map(([name, s, unit, note]) => [
    name,
    s === undefined ? 'n/a' : String(s.median),
    unit,
    s === undefined ? '' : `${s.min} – ${s.max}`,
    String(s?.samples.length ?? 0),
    note ?? '',
  ]);
  printColumns(['benchmark', 'median', 'unit', 'min – max', 'n', 'notes'], lines);
}

/** A figure of one run: a single value, or a distribution shown as p50 / p99 / max. */
type Figure = readonly [name: string, value: number | Distribution | undefined, unit: string, note?: string];

function printFigures(rows: readonly Figure[]): void {
  if (rows.length === 0) return;
  const cell = (v: number | undefined) => (v === undefined ? '' : String(v));
  const lines = rows.map(([name, v, unit, note]) => {
    if (typeof v === 'number' || v === undefined) return [name, v === undefined ? 'n/a' : String(v), '', '', unit, '', note ?? ''];
    return [name, cell(v.p50), cell(v.p99), cell(v.max), unit, String(v.n), note ?? ''];
  });
  printColumns(['figure', 'value/p50', 'p99', 'max', 'unit', 'n', 'notes'], lines);
}

function printColumns(header: readonly string[], lines: readonly (readonly string[])[]): void {
  const numeric = new Set(header.map((h, i) => (['median', 'value/p50', 'p99', 'max', 'n'].includes(h) ? i : -1)));
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((line) => line[i]!.length)));
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (numeric.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  process.stdout.write(`\n${format(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const line of lines) process.stdout.write(`${format(line)}\n`);
}

/** The readable tables, the machine line, then the one JSON line that tools read (always last). */
export function printReport(r: BenchResults): void {
  const { options, host, throughput, pipeline, latency, webhook, timer, workflow } = r;
  const failedNote = (t: ThroughputSummary) => `${t.completed} completed, ${t.failed} failed`;
  const rows: Row[] = [];
  if (r.coldStart !== undefined) {
    rows.push(
      ['cold start of attune up', r.coldStart, 'ms', 'fresh data dir, spawn → /api/v1/health 200'],
      ['idle RSS of attune up', r.idleRss, 'MB', `after ${options.idleMs} ms idle`],
      ['idle RSS of the process tree', r.treeRss, 'MB', 'one 1 s interval rule (core.noop) enabled'],
      ['… of it in other processes', r.treeRssOthers, 'MB', 'timer sensor, spawner helper, …'],
    );
  }
  if (r.cliRun !== undefined) rows.push(['attune run core.echo (CLI)', r.cliRun, 'ms', 'spawn to exit']);
  if (throughput !== undefined) {
    rows.push(
      ['core.noop throughput', throughput.noop.perSecond, 'exec/s', `${options.noopCount}/run, ${failedNote(throughput.noop)}`],
      ['core.echo throughput', throughput.echo.perSecond, 'exec/s', `${options.echoCount}/run, ${failedNote(throughput.echo)}`],
      ['peak RSS after throughput', throughput.peakRss, 'MB', 'VmHWM of attune up'],
    );
  }
  const burst = r.sensorBurst;
  if (burst !== undefined) {
    const checks = `${burst.completed}/${burst.events} completed, ${burst.missing} missing, ${burst.duplicates} duplicate`;
    rows.push(
      ['sensor burst → core.noop', burst.perSecond, 'events/s', `${options.burstCount}/run, first event stored → last finished; ${checks}`],
      ['… CPU of attune up per event', burst.cpuMsPerEvent, 'ms', 'utime + stime, rule enabled → last completed'],
    );
  }
  printTable(rows);
  if (throughput !== undefined) {
    for (const [name, t] of [['core.noop', throughput.noop], ['core.echo', throughput.echo]] as const) {
      for (const [reason, n] of Object.entries(t.failures)) process.stdout.write(`  ${name} failure ×${n}: ${reason}\n`);
    }
  }

  const figures: Figure[] = [];
  if (pipeline !== undefined) {
    for (const p of [pipeline.noop, pipeline.echo]) {
      const checks = `${p.injected} events, ${p.completed} completed, ${p.missing} missing, ${p.duplicates} duplicate`;
      figures.push(
        [`pipeline ${p.action_ref}: events injected`, p.injected_per_s, 'events/s', `${p.injectors} loops, ${p.inject_seconds} s, ${p.throttled_seconds} s throttled (backlog ≤ ${p.max_backlog})`],
        [`pipeline ${p.action_ref}: executions completed`, p.completed_per_s, 'exec/s', `${checks}; first inject → last finish ${p.pipeline_seconds} s`],
        [`pipeline ${p.action_ref}: event → finished`, p.event_to_finished_ms, 'ms', 'under saturation (queueing)'],
      );
    }
    figures.push(
      ['RSS of attune up before load', pipeline.idleRssMb === undefined ? undefined : Number(pipeline.idleRssMb.toFixed(1)), 'MB', 'pack + 4 rules, 1 s idle'],
      ['RSS of attune up during load', pipeline.rssDuringLoadMb, 'MB', 'VmRSS every 250 ms'],
      ['peak RSS after load', pipeline.peakRssAfterLoadMb === undefined ? undefined : Number(pipeline.peakRssAfterLoadMb.toFixed(1)), 'MB', 'VmHWM of attune up'],
    );
  }
  if (latency !== undefined) {
    const note = `core.noop at ${latency.rate_per_s}/s for ${latency.seconds} s; ${latency.completed}/${latency.injected} completed`;
    figures.push(
      ['event stored → execution created', latency.event_to_execution_created_ms, 'ms', note],
      ['event stored → execution started', latency.event_to_started_ms, 'ms', 'pickup'],
      ['event stored → execution finished', latency.event_to_finished_ms, 'ms'],
    );
  }
  for (const w of webhook ?? []) {
    const note = `${w.requests} POSTs ?wait, ${w.failed} failed`;
    figures.push(
      [`webhook ?wait → core.shell, concurrency ${w.concurrency}`, w.per_second, 'req/s', note],
      [`webhook ?wait round trip, concurrency ${w.concurrency}`, w.round_trip_ms, 'ms', 'POST sent → 200 with the output'],
    );
  }
  if (timer !== undefined) {
    figures.push(
      ['timer fire offset (fired − scheduled)', timer.fire_offset_ms, 'ms', `1 s interval for ${timer.seconds} s; ${timer.fires} fires of ${timer.expected} expected`],
      ['timer schedule off its grid', timer.grid_offset_ms, 'ms', '|scheduled − (first + k·1 s)|'],
      ['timer drift over the run', timer.drift_ms, 'ms', 'last scheduled − (first + (n−1)·1 s)'],
      ['timer fired → event stored', timer.fired_to_stored_ms, 'ms'],
      ['RSS of the timer sensor', timer.sensor_rss_mb, 'MB', timer.sensor_pid === null ? 'runs in attune up' : 'VmRSS every 1 s'],
      ['RSS of attune up with the timer', timer.attune_rss_mb, 'MB', 'VmRSS every 1 s'],
    );
  }
  if (workflow !== undefined) {
    figures.push(
      ['plain core.noop, request → finished (median)', workflow.plain_ms.median, 'ms', 'one at a time, polled by the client'],
      ['workflow task, per task of a 10-task core.noop sequence (median)', workflow.per_task_ms.median, 'ms', `added per task: ${workflow.added_per_task_ms} ms (medians)`],
      ['with_items of 1,000 core.noop, concurrency 50', workflow.fanout_ms, 'ms', `wall time; ended ${workflow.fanout_status}`],
    );
  }
  for (const d of r.distributed ?? []) {
    const where = `distributed, ${d.workers} worker${d.workers === 1 ? '' : 's'}`;
    const checks = (p: PipelineResult) => `${p.missing} missing, ${p.duplicates} duplicates`;
    figures.push(
      [`${where}: processes ready`, d.ready_ms, 'ms', 'migrate, then api, executor, workers, sensor healthy'],
      [`${where}: pipeline core.noop completed`, d.noop.completed_per_s, 'exec/s', checks(d.noop)],
      [`${where}: pipeline core.echo completed`, d.echo.completed_per_s, 'exec/s', checks(d.echo)],
      [`${where}: event stored → execution started`, d.latency.event_to_started_ms, 'ms', `core.noop at ${d.latency.rate_per_s}/s; ${d.latency.completed}/${d.latency.injected} completed`],
    );
  }
  printFigures(figures);
  process.stdout.write(
    `\n${host.cpu} ×${host.cpus}, ${host.memory_gb} GB, ${host.os}, Node ${host.node}; ` +
      `load ${host.load_avg_1m} at start, ${Number(os.loadavg()[0]!.toFixed(2))} at the end; ${r.date}; took ${r.seconds} s\n\n`,
  );

  const report = {
    bench: 'attune',
    date: r.date,
    machine: { ...host, load_avg_1m_end: Number(os.loadavg()[0]!.toFixed(2)) },
    settings: {
      groups: [...options.groups],
      runs: options.runs,
      cli_runs: options.cliRuns,
      noop_count: options.noopCount,
      echo_count: options.echoCount,
      concurrency: options.concurrency,
      idle_ms: options.idleMs,
      pipeline_seconds: options.pipelineSeconds,
      injectors: options.injectors,
      max_backlog: options.maxBacklog,
      latency_rate: options.latencyRate,
      latency_seconds: options.latencySeconds,
      timer_seconds: options.timerSeconds,
      webhook_requests: options.webhookRequests,
      burst_count: options.burstCount,
      worker_concurrency: process.env.ATTUNE__WORKER__CONCURRENCY ?? 'default (16)',
    },
    results: {
      cold_start_ms: r.coldStart ?? null,
      idle_rss_mb: r.idleRss ?? null,
      tree_rss_mb: r.treeRss ?? null,
      tree_rss_other_processes_mb: r.treeRssOthers ?? null,
      cli_run_echo_ms: r.cliRun ?? null,
      noop_exec_per_s: throughput === undefined ? null : { ...throughput.noop.perSecond, completed: throughput.noop.completed, failed: throughput.noop.failed },
      echo_exec_per_s: throughput === undefined ? null : { ...throughput.echo.perSecond, completed: throughput.echo.completed, failed: throughput.echo.failed },
      peak_rss_after_throughput_mb: throughput?.peakRss ?? null,
      sensor_burst: r.sensorBurst ?? null,
      pipeline:
        pipeline === undefined
          ? null
          : {
              noop: pipeline.noop,
              echo: pipeline.echo,
              idle_rss_mb: pipeline.idleRssMb ?? null,
              rss_during_load_mb: pipeline.rssDuringLoadMb ?? null,
              peak_rss_after_load_mb: pipeline.peakRssAfterLoadMb ?? null,
            },
      latency: latency ?? null,
      webhook_wait: webhook ?? null,
      timer: timer ?? null,
      workflow: workflow ?? null,
      distributed: r.distributed ?? null,
    },
  };
  process.stdout.write(`${JSON.stringify(report)}\n`);
}
