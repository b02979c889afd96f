/**
 * `npm run bench`: drives the real `attune` command and its HTTP API, as a user would, and prints
 * a table then one JSON line. What each figure means is in docs/benchmarks.md.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ATTUNE_BIN, MemorySampler, readMemoryMb, readTreeMemory, startAttune, stopAttune, type RunningAttune } from './attune-process.js';
import { createRule, registerBenchPack } from './api.js';
import { Cleanup, isAlive } from './cleanup.js';
import { timeCliRun } from './cli-round-trip.js';
import { HttpClient } from './http-client.js';
import { measureLatency, measurePipeline, warmUp, type LatencyResult, type PipelineResult } from './pipeline.js';
import { machine, printReport, type PipelineGroup } from './report.js';
import { distribution, sleep, summarize, type Summary } from './stats.js';
import { measureThroughput, summarizeThroughput, type ThroughputResult } from './throughput.js';
import { measureSensorBurst, registerBurstPack, type SensorBurstResult } from './sensor-burst.js';
import { measureTimer, SENSOR_MARKER, type TimerResult } from './timer.js';
import { measureWebhookWait, WEBHOOK_RULE, type WebhookWaitResult } from './webhook-wait.js';
import { measureWorkflows, type WorkflowResult } from './workflow.js';
import { serversReachable, startStack, type Servers } from './distributed-stack.js';
import type { DistributedResult } from './report.js';

/** The benchmark groups, in the order they run; `--only` and `--skip` take a comma-separated list. */
export const GROUPS = ['start', 'cli', 'throughput', 'burst', 'pipeline', 'latency', 'webhook', 'timer', 'workflow', 'distributed'] as const;
export type Group = (typeof GROUPS)[number];

export interface Options {
  readonly runs: number;
  readonly cliRuns: number;
  readonly noopCount: number;
  readonly echoCount: number;
  readonly concurrency: number;
  readonly idleMs: number;
  readonly groups: ReadonlySet<Group>;
  readonly pipelineSeconds: number;
  readonly injectors: number;
  readonly maxBacklog: number;
  readonly latencyRate: number;
  readonly latencySeconds: number;
  readonly timerSeconds: number;
  /** Webhook ?wait round trips per concurrency level (1 and 16). */
  readonly webhookRequests: number;
  /** Directory for V8 CPU profiles of the `attune up` processes that run the burst and pipeline groups. */
  readonly cpuProfDir: string | undefined;
  /** Events the burst sensor prints at once, per run. */
  readonly burstCount: number;
  /** The PostgreSQL and RabbitMQ servers of the distributed group. */
  readonly servers: Servers;
  /** How many `attune worker` processes each distributed run has (one run per entry). */
  readonly workerCounts: readonly number[];
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '5' },
      'cli-runs': { type: 'string', default: '10' },
      noop: { type: 'string', default: '2000' },
      echo: { type: 'string', default: '500' },
      concurrency: { type: 'string', default: '16' },
      'idle-ms': { type: 'string', default: '2000' },
      only: { type: 'string' },
      skip: { type: 'string' },
      'pipeline-seconds': { type: 'string', default: '10' },
      injectors: { type: 'string', default: '16' },
      backlog: { type: 'string', default: '1000' },
      'latency-rate': { type: 'string', default: '10' },
      'latency-seconds': { type: 'string', default: '20' },
      'timer-seconds': { type: 'string', default: '60' },
      'webhook-requests': { type: 'string', default: '300' },
      'cpu-prof': { type: 'string' },
      burst: { type: 'string', default: '5000' },
      'pg-url': { type: 'string', default: 'postgres://postgres@127.0.0.1:5432/postgres' },
      'amqp-url': { type: 'string', default: 'amqp://guest:guest@127.0.0.1:5672' },
      workers: { type: 'string', default: '1,2' },
    },
  });
  const groupList = (name: string, value: string): Group[] =>
    value.split(',').map((g) => {
      const group = g.trim() as Group;
      if (!GROUPS.includes(group)) throw new Error(`--${name}: unknown group "${g}"; the groups are ${GROUPS.join(', ')}`);
      return group;
    });
  const groups = new Set<Group>(values.only === undefined ? GROUPS : groupList('only', values.only));
  if (values.skip !== undefined) for (const group of groupList('skip', values.skip)) groups.delete(group);
  const positive = (name: string, value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a whole number above 0, got "${value}"`);
    return parsed;
  };
  return {
    runs: positive('runs', values.runs),
    cliRuns: positive('cli-runs', values['cli-runs']),
    noopCount: positive('noop', values.noop),
    echoCount: positive('echo', values.echo),
    concurrency: positive('concurrency', values.concurrency),
    idleMs: positive('idle-ms', values['idle-ms']),
    groups,
    pipelineSeconds: positive('pipeline-seconds', values['pipeline-seconds']),
    injectors: positive('injectors', values.injectors),
    maxBacklog: values.backlog === '0' ? 0 : positive('backlog', values.backlog),
    latencyRate: positive('latency-rate', values['latency-rate']),
    latencySeconds: positive('latency-seconds', values['latency-seconds']),
    timerSeconds: positive('timer-seconds', values['timer-seconds']),
    webhookRequests: positive('webhook-requests', values['webhook-requests']),
    cpuProfDir: values['cpu-prof'],
    burstCount: positive('burst', values.burst),
    servers: { pgUrl: values['pg-url'], amqpUrl: values['amqp-url'] },
    workerCounts: values.workers.split(',').map((n) => positive('workers', n.trim())),
  };
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

/** Lets the benchmark's own garbage (from the previous phase) go before measuring (`--expose-gc`). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function withAttune<T>(
  cleanup: Cleanup,
  http: HttpClient,
  use: (attune: RunningAttune) => Promise<T>,
  nodeArgs: readonly string[] = [],
): Promise<T> {
  const attune = await startAttune(cleanup, http, nodeArgs);
  try {
    return await use(attune);
  } finally {
    await stopAttune(attune, cleanup);
  }
}

/**
 * Cold starts on fresh data dirs; after each, the idle RSS of attune up, then the RSS of its whole
 * process tree with one 1 s interval-timer rule (core.noop) enabled and idle between fires.
 */
async function benchStartAndMemory(options: Options, cleanup: Cleanup, http: HttpClient) {
  const readyMs: number[] = [];
  const rssMb: number[] = [];
  const treeMb: number[] = [];
  const otherMb: number[] = [];
  for (let run = 1; run <= options.runs; run++) {
    collectGarbage();
    await withAttune(cleanup, http, async (attune) => {
      readyMs.push(attune.readyMs);
      await sleep(options.idleMs);
      const rss = readMemoryMb(attune.pid, 'VmRSS');
      if (rss !== undefined) rssMb.push(rss);
      await createRule(http, attune, { ref: 'examples.bench_tick', triggerRef: 'core.intervaltimer', triggerParams: { interval: 1 }, actionRef: 'core.noop' });
      await sleep(options.idleMs);
      const tree = readTreeMemory(attune.pid);
      const total = tree.reduce((sum, p) => sum + p.rssMb, 0);
      if (tree.length > 0) treeMb.push(total);
      if (tree.length > 0) otherMb.push(total - (tree.find((p) => p.role === 'attune up')?.rssMb ?? 0));
      const parts = tree.map((p) => `${p.role} ${p.rssMb.toFixed(1)}`).join(', ');
      progress(`start ${run}/${options.runs}: ready in ${attune.readyMs.toFixed(0)} ms, idle RSS ${rss?.toFixed(1) ?? 'n/a'} MB; with a timer rule ${total.toFixed(1)} MB (${parts})`);
    });
  }
  const summary = (values: number[]) => (values.length > 0 ? summarize(values) : undefined);
  return { coldStart: summarize(readyMs), idleRss: summary(rssMb), treeRss: summary(treeMb), treeRssOthers: summary(otherMb) };
}

async function benchCliRoundTrip(options: Options, cleanup: Cleanup, http: HttpClient): Promise<Summary> {
  return withAttune(cleanup, http, async (attune) => {
    await timeCliRun(attune, cleanup); // warm-up: disk cache, first-time action registration paths
    const times: number[] = [];
    for (let run = 1; run <= options.cliRuns; run++) times.push(await timeCliRun(attune, cleanup));
    const summary = summarize(times);
    progress(`attune run core.echo: median ${summary.median} ms over ${options.cliRuns} runs`);
    return summary;
  });
}

async function benchThroughput(options: Options, cleanup: Cleanup, http: HttpClient) {
  const noop: ThroughputResult[] = [];
  const echo: ThroughputResult[] = [];
  const peakRssMb: number[] = [];
  const concurrency = options.concurrency;
  for (let run = 1; run <= options.runs; run++) {
    collectGarbage();
    await withAttune(cleanup, http, async (attune) => {
      // Warm-up, not counted: JIT, prepared statements, the first shell spawn.
      await measureThroughput(http, attune, { actionRef: 'core.noop', parameters: {}, count: concurrency * 2, concurrency });
      await measureThroughput(http, attune, { actionRef: 'core.echo', parameters: { message: 'hello' }, count: concurrency, concurrency });
      const n = await measureThroughput(http, attune, { actionRef: 'core.noop', parameters: {}, count: options.noopCount, concurrency });
      const e = await measureThroughput(http, attune, { actionRef: 'core.echo', parameters: { message: 'hello' }, count: options.echoCount, concurrency });
      noop.push(n);
      echo.push(e);
      const peak = readMemoryMb(attune.pid, 'VmHWM');
      if (peak !== undefined) peakRssMb.push(peak);
      progress(
        `throughput ${run}/${options.runs}: core.noop ${n.perSecond.toFixed(0)}/s (${n.failed} failed), ` +
          `core.echo ${e.perSecond.toFixed(0)}/s (${e.failed} failed), peak RSS ${peak?.toFixed(1) ?? 'n/a'} MB`,
      );
    });
  }
  return { noop: summarizeThroughput(noop), echo: summarizeThroughput(echo), peakRss: peakRssMb.length > 0 ? summarize(peakRssMb) : undefined };
}

/** A fresh `attune up` per run: a sensor prints `burstCount` events at once, each run by core.noop. */
async function benchSensorBurst(options: Options, cleanup: Cleanup, http: HttpClient) {
  const results: SensorBurstResult[] = [];
  for (let run = 1; run <= options.runs; run++) {
    collectGarbage();
    const nodeArgs = profilerArgs(options);
    const result = await withAttune(
      cleanup,
      http,
      async (attune) => {
        await registerBurstPack(http, attune, cleanup, options.burstCount);
        return measureSensorBurst(http, attune, options.burstCount);
      },
      nodeArgs,
    );
    results.push(result);
    progress(
      `sensor burst ${run}/${options.runs}: ${result.completed}/${result.events} completed in ${result.seconds} s = ${result.per_second}/s, ` +
        `${result.cpu_ms_per_event ?? 'n/a'} ms CPU of attune up per event, ${result.missing} missing, ${result.duplicates} duplicates`,
    );
  }
  const sum = (pick: (r: SensorBurstResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  return {
    perSecond: summarize(results.map((r) => r.per_second)),
    cpuMsPerEvent: results.every((r) => r.cpu_ms_per_event !== null) ? summarize(results.map((r) => r.cpu_ms_per_event ?? 0), 3) : undefined,
    events: sum((r) => r.events),
    completed: sum((r) => r.completed),
    missing: sum((r) => r.missing),
    duplicates: sum((r) => r.duplicates),
  };
}

/**
 * One fresh `attune up` with the bench pack: an idle RSS reading, a warm-up, then `core.noop` and
 * `core.echo` rules fed by injector loops, with VmRSS sampled throughout and VmHWM read at the end.
 */
async function benchPipeline(options: Options, cleanup: Cleanup): Promise<PipelineGroup> {
  collectGarbage();
  const http = new HttpClient({ maxSockets: options.injectors + 2 });
  const nodeArgs = profilerArgs(options);
  try {
    return await withAttune(
      cleanup,
      http,
      async (attune) => {
        await registerBenchPack(http, attune, cleanup);
        const rules = [
          { ref: 'benchpack.noop', triggerRef: 'benchpack.load_noop', actionRef: 'core.noop' },
          { ref: 'benchpack.echo', triggerRef: 'benchpack.load_echo', actionRef: 'core.echo', actionParams: { message: 'hi' } },
          { ref: 'benchpack.warm_noop', triggerRef: 'benchpack.warm_noop', actionRef: 'core.noop' },
          { ref: 'benchpack.warm_echo', triggerRef: 'benchpack.warm_echo', actionRef: 'core.echo', actionParams: { message: 'hi' } },
        ];
        for (const rule of rules) await createRule(http, attune, rule);
        await sleep(1000);
        const idleRss = readMemoryMb(attune.pid, 'VmRSS');
        progress(`pipeline: attune up with 4 rules, idle RSS ${idleRss?.toFixed(1) ?? 'n/a'} MB; warming up`);
        await warmUp(http, attune, 'benchpack.warm_noop', 'benchpack.warm_noop', 500, options.injectors);
        await warmUp(http, attune, 'benchpack.warm_echo', 'benchpack.warm_echo', 50, options.injectors);

        const sampler = new MemorySampler(attune.pid, 'VmRSS', 250);
        const results: PipelineResult[] = [];
        for (const rule of rules.slice(0, 2)) {
          const result = await measurePipeline(http, attune, {
            ruleRef: rule.ref,
            triggerRef: rule.triggerRef,
            actionRef: rule.actionRef,
            seconds: options.pipelineSeconds,
            injectors: options.injectors,
            maxBacklog: options.maxBacklog,
          });
          results.push(result);
          progress(
            `pipeline ${rule.actionRef}: ${result.injected} events at ${result.injected_per_s}/s, ` +
              `${result.completed} completed at ${result.completed_per_s}/s (drain ${result.drain_seconds} s), ` +
              `${result.missing} missing, ${result.duplicates} duplicates`,
          );
        }
        const rssSamples = sampler.stop();
        const peak = readMemoryMb(attune.pid, 'VmHWM');
        progress(`pipeline: VmRSS during load max ${Math.max(...rssSamples).toFixed(1)} MB, VmHWM ${peak?.toFixed(1) ?? 'n/a'} MB`);
        return {
          noop: results[0]!,
          echo: results[1]!,
          idleRssMb: idleRss,
          rssDuringLoadMb: distribution(rssSamples),
          peakRssAfterLoadMb: peak,
        };
      },
      nodeArgs,
    );
  } finally {
    http.close();
  }
}

/** Node flags that profile an `attune up` when `--cpu-prof` names a directory. */
function profilerArgs(options: Options): string[] {
  return options.cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', options.cpuProfDir];
}

async function benchLatency(options: Options, cleanup: Cleanup, http: HttpClient): Promise<LatencyResult> {
  collectGarbage();
  return withAttune(cleanup, http, async (attune) => {
    await registerBenchPack(http, attune, cleanup);
    await createRule(http, attune, { ref: 'benchpack.latency', triggerRef: 'benchpack.latency', actionRef: 'core.noop' });
    await createRule(http, attune, { ref: 'benchpack.warm_noop', triggerRef: 'benchpack.warm_noop', actionRef: 'core.noop' });
    await warmUp(http, attune, 'benchpack.warm_noop', 'benchpack.warm_noop', 200, 4);
    await sleep(500);
    const result = await measureLatency(http, attune, {
      ruleRef: 'benchpack.latency',
      triggerRef: 'benchpack.latency',
      ratePerSecond: options.latencyRate,
      seconds: options.latencySeconds,
    });
    const d = (x: LatencyResult['event_to_started_ms']) => (x === undefined ? 'n/a' : `p50 ${x.p50} / p99 ${x.p99} / max ${x.max} ms`);
    progress(`latency at ${options.latencyRate}/s: event → started ${d(result.event_to_started_ms)}; → finished ${d(result.event_to_finished_ms)}`);
    return result;
  }, profilerArgs(options));
}

/** `?wait` webhook → core.shell round trips, one client at a time and then 16 at once. */
async function benchWebhookWait(options: Options, cleanup: Cleanup): Promise<WebhookWaitResult[]> {
  collectGarbage();
  const http = new HttpClient({ maxSockets: 16, timeoutMs: 40_000 });
  try {
    return await withAttune(cleanup, http, async (attune) => {
      await registerBenchPack(http, attune, cleanup);
      await createRule(http, attune, {
        ref: WEBHOOK_RULE.ref,
        triggerRef: 'core.webhook',
        triggerParams: { url: WEBHOOK_RULE.url },
        actionRef: 'core.shell',
        actionParams: { cmd: 'echo {{ event.payload.body.n }}' },
      });
      await measureWebhookWait(http, attune, { requests: 32, concurrency: 16 }); // warm-up, not counted
      const results: WebhookWaitResult[] = [];
      for (const concurrency of [1, 16]) {
        const result = await measureWebhookWait(http, attune, { requests: options.webhookRequests, concurrency });
        const d = result.round_trip_ms;
        progress(`webhook ?wait → core.shell at concurrency ${concurrency}: ${result.per_second}/s, p50 ${d?.p50 ?? 'n/a'} / p99 ${d?.p99 ?? 'n/a'} ms, ${result.failed} failed`);
        results.push(result);
      }
      return results;
    });
  } finally {
    http.close();
  }
}

async function benchTimer(options: Options, cleanup: Cleanup, http: HttpClient): Promise<TimerResult> {
  collectGarbage();
  let sensorPid: number | undefined;
  const result = await withAttune(cleanup, http, async (attune) => {
    await registerBenchPack(http, attune, cleanup);
    progress(`timer: a 1 s interval timer for ${options.timerSeconds} s`);
    const timer = await measureTimer(http, attune, cleanup, options.timerSeconds);
    sensorPid = timer.sensor_pid ?? undefined;
    return timer;
  });
  // attune up stops its sensors on SIGTERM; one left alive is a bug worth shouting about.
  if (sensorPid !== undefined) {
    await sleep(200);
    if (isAlive(sensorPid, SENSOR_MARKER)) {
      process.stderr.write(`bench: the timer sensor (pid ${sensorPid}) outlived attune up; killing it\n`);
      cleanup.killPid(sensorPid);
      process.exitCode = 1;
    } else {
      cleanup.killPid(sensorPid); // forget it
    }
  }
  const d = (x: TimerResult['fire_offset_ms']) => (x === undefined ? 'n/a' : `p50 ${x.p50} / p99 ${x.p99} / max ${x.max} ms`);
  progress(`timer: ${result.fires} fires of ${result.expected} expected, offset ${d(result.fire_offset_ms)}, drift ${result.drift_ms} ms`);
  return result;
}

async function benchWorkflow(options: Options, cleanup: Cleanup, http: HttpClient): Promise<WorkflowResult> {
  collectGarbage();
  return withAttune(cleanup, http, async (attune) => {
    const result = await measureWorkflows(http, attune, cleanup, options.runs);
    progress(`workflow: +${result.added_per_task_ms} ms per task over a plain execution; 1,000 items at concurrency 50 in ${result.fanout_ms} ms`);
    return result;
  });
}

/**
 * The pipeline and latency figures again, on PostgreSQL and RabbitMQ with each service its own
 * process (api, executor, N workers, sensor), once per entry of `--workers`.
 */
async function benchDistributed(options: Options, cleanup: Cleanup): Promise<DistributedResult[]> {
  const unreachable = await serversReachable(options.servers);
  if (unreachable !== undefined) {
    progress(`distributed: skipped, ${unreachable}`);
    return [];
  }
  const results: DistributedResult[] = [];
  for (const workers of options.workerCounts) {
    collectGarbage();
    const http = new HttpClient({ maxSockets: options.injectors + 2 });
    const stack = await startStack(cleanup, http, options.servers, workers);
    try {
      const attune = stack.api;
      progress(`distributed, ${workers} worker(s): ${stack.processes.length} processes ready in ${attune.readyMs.toFixed(0)} ms`);
      await registerBenchPack(http, attune, cleanup);
      const rules = [
        { ref: 'benchpack.noop', triggerRef: 'benchpack.load_noop', actionRef: 'core.noop' },
        { ref: 'benchpack.echo', triggerRef: 'benchpack.load_echo', actionRef: 'core.echo', actionParams: { message: 'hi' } },
        { ref: 'benchpack.warm_noop', triggerRef: 'benchpack.warm_noop', actionRef: 'core.noop' },
        { ref: 'benchpack.latency', triggerRef: 'benchpack.latency', actionRef: 'core.noop' },
      ];
      for (const rule of rules) await createRule(http, attune, rule);
      await sleep(1000); // every service has seen the rules
      await warmUp(http, attune, 'benchpack.warm_noop', 'benchpack.warm_noop', 300, options.injectors);
      const [noop, echo] = [rules[0]!, rules[1]!];
      const pipeline = async (rule: typeof noop) =>
        measurePipeline(http, attune, { ruleRef: rule.ref, triggerRef: rule.triggerRef, actionRef: rule.actionRef, seconds: options.pipelineSeconds, injectors: options.injectors, maxBacklog: options.maxBacklog });
      const noopResult = await pipeline(noop);
      const echoResult = await pipeline(echo);
      const latency = await measureLatency(http, attune, { ruleRef: 'benchpack.latency', triggerRef: 'benchpack.latency', ratePerSecond: options.latencyRate, seconds: options.latencySeconds });
      const started = latency.event_to_started_ms;
      progress(
        `distributed, ${workers} worker(s): core.noop ${noopResult.completed_per_s}/s, core.echo ${echoResult.completed_per_s}/s ` +
          `(${noopResult.missing + echoResult.missing} missing, ${noopResult.duplicates + echoResult.duplicates} duplicates); ` +
          `event → started p50 ${started?.p50 ?? 'n/a'} / p99 ${started?.p99 ?? 'n/a'} ms`,
      );
      results.push({ workers, ready_ms: Math.round(attune.readyMs), noop: noopResult, echo: echoResult, latency });
    } finally {
      await stack.stop();
      http.close();
    }
  }
  return results;
}

async function main(): Promise<void> {
  const options = parseOptions();
  if (!existsSync(ATTUNE_BIN)) throw new Error(`${ATTUNE_BIN} not found: run \`npm run build\` first (npm run bench does)`);
  const cleanup = new Cleanup();
  process.once('exit', () => cleanup.releaseAll());
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping child processes\n`);
      cleanup.releaseAll();
      process.exit(130);
    });
  }

  const http = new HttpClient({ maxSockets: options.concurrency });
  const date = new Date().toISOString();
  const host = machine();
  process.stderr.write(`Attune benchmark on ${host.cpu} ×${host.cpus}, ${host.memory_gb} GB, Node ${host.node}\n`);
  const startedAt = performance.now();
  const run = (group: Group) => options.groups.has(group);
  try {
    const start = run('start') ? await benchStartAndMemory(options, cleanup, http) : undefined;
    const cliRun = run('cli') ? await benchCliRoundTrip(options, cleanup, http) : undefined;
    const throughput = run('throughput') ? await benchThroughput(options, cleanup, http) : undefined;
    const sensorBurst = run('burst') ? await benchSensorBurst(options, cleanup, http) : undefined;
    const pipeline = run('pipeline') ? await benchPipeline(options, cleanup) : undefined;
    const latency = run('latency') ? await benchLatency(options, cleanup, http) : undefined;
    const webhook = run('webhook') ? await benchWebhookWait(options, cleanup) : undefined;
    const timer = run('timer') ? await benchTimer(options, cleanup, http) : undefined;
    const workflow = run('workflow') ? await benchWorkflow(options, cleanup, http) : undefined;
    const distributed = run('distributed') ? await benchDistributed(options, cleanup) : undefined;
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);

    printReport({ date, host, options, seconds, coldStart: start?.coldStart, idleRss: start?.idleRss, treeRss: start?.treeRss, treeRssOthers: start?.treeRssOthers, cliRun, throughput, sensorBurst, pipeline, latency, webhook, timer, workflow, distributed });
    const failed =
      (throughput === undefined ? 0 : throughput.noop.failed + throughput.echo.failed) +
      (sensorBurst === undefined ? 0 : sensorBurst.events - sensorBurst.completed + sensorBurst.duplicates) +
      (pipeline === undefined ? 0 : [pipeline.noop, pipeline.echo].reduce((n, p) => n + p.missing + p.duplicates + (p.injected - p.completed), 0)) +
      (latency === undefined ? 0 : latency.missing + latency.duplicates + (latency.injected - latency.completed)) +
      (webhook === undefined ? 0 : webhook.reduce((n, w) => n + w.failed, 0)) +
      (timer === undefined ? 0 : timer.duplicate_fires + timer.missed_fires) +
      (workflow === undefined || workflow.fanout_status === 'completed' ? 0 : 1) +
      (distributed ?? []).reduce((n, d) => n + [d.noop, d.echo].reduce((m, p) => m + p.missing + p.duplicates + (p.injected - p.completed), 0) + d.latency.missing + d.latency.duplicates, 0);
    if (failed > 0) process.exitCode = 1;
  } finally {
    http.close();
    cleanup.releaseAll();
  }
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
