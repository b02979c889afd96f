/**
 * `npm run bench`: drives the real `attune` command and its HTTP API, as a user would, and prints
 * a table then one JSON line. What each figure means is in docs/benchmarks.md.
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ATTUNE_BIN, readMemoryMb, startAttune, stopAttune, type RunningAttune } from './attune-process.js';
import { Cleanup } from './cleanup.js';
import { timeCliRun } from './cli-round-trip.js';
import { HttpClient } from './http-client.js';
import { machine, printReport } from './report.js';
import { sleep, summarize, type Summary } from './stats.js';
import { measureThroughput, summarizeThroughput, type ThroughputResult } from './throughput.js';

export interface Options {
  readonly runs: number;
  readonly cliRuns: number;
  readonly noopCount: number;
  readonly echoCount: number;
  readonly concurrency: number;
  readonly idleMs: number;
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
    },
  });
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
  };
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`);
}

/** Lets the benchmark's own garbage (from the previous phase) go before measuring (`--expose-gc`). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function withAttune<T>(cleanup: Cleanup, http: HttpClient, use: (attune: RunningAttune) => Promise<T>): Promise<T> {
  const attune = await startAttune(cleanup, http);
  try {
    return await use(attune);
  } finally {
    await stopAttune(attune, cleanup);
  }
}

async function benchStartAndMemory(options: Options, cleanup: Cleanup, http: HttpClient) {
  const readyMs: number[] = [];
  const rssMb: number[] = [];
  for (let run = 1; run <= options.runs; run++) {
    collectGarbage();
    await withAttune(cleanup, http, async (attune) => {
      readyMs.push(attune.readyMs);
      await sleep(options.idleMs);
      const rss = readMemoryMb(attune.pid, 'VmRSS');
      if (rss !== undefined) rssMb.push(rss);
      progress(`start ${run}/${options.runs}: ready in ${attune.readyMs.toFixed(0)} ms, idle RSS ${rss?.toFixed(1) ?? 'n/a'} MB`);
    });
  }
  return { coldStart: summarize(readyMs), idleRss: rssMb.length > 0 ? summarize(rssMb) : undefined };
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
  try {
    const { coldStart, idleRss } = await benchStartAndMemory(options, cleanup, http);
    const cliRun = await benchCliRoundTrip(options, cleanup, http);
    const throughput = await benchThroughput(options, cleanup, http);
    const seconds = ((performance.now() - startedAt) / 1000).toFixed(0);

    printReport({ date, host, options, seconds, coldStart, idleRss, cliRun, throughput });
    if (throughput.noop.failed + throughput.echo.failed > 0) process.exitCode = 1;
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
