import type { RunningAttune } from './attune-process.js';
import { dataOf, type HttpClient } from './http-client.js';
import { sleep, summarize, type Summary } from './stats.js';

const TERMINAL = new Set(['completed', 'failed', 'timeout', 'cancelled', 'abandoned']);
/** Poll delays after a submit: quick at first (noop finishes in a few ms), then capped. */
const POLL_BACKOFF_MS = [2, 4, 8, 16, 32, 50] as const;
const EXECUTION_DEADLINE_MS = 60_000;
/** A run stops early after this many consecutive request errors: the server is down or broken. */
const MAX_CONSECUTIVE_ERRORS = 20;

export interface ThroughputResult {
  readonly actionRef: string;
  readonly requested: number;
  readonly completed: number;
  /** Executions that ended in another terminal status, timed out client-side, or whose requests failed. */
  readonly failed: number;
  readonly elapsedMs: number;
  /** Completed executions per second of wall-clock time. */
  readonly perSecond: number;
  /** Statuses of the failures, with one sample error, for the report. */
  readonly failures: Readonly<Record<string, number>>;
}

/**
 * `concurrency` client loops share a budget of `count` executions; each loop requests one through
 * the API, polls it until it is terminal, then requests the next. So at most `concurrency`
 * executions are in flight, which matches the worker's default concurrency of 16.
 */
export async function measureThroughput(
  http: HttpClient,
  attune: RunningAttune,
  options: { actionRef: string; parameters: Record<string, unknown>; count: number; concurrency: number },
): Promise<ThroughputResult> {
  let next = 0;
  let completed = 0;
  let consecutiveErrors = 0;
  const failures: Record<string, number> = {};
  const recordFailure = (reason: string) => (failures[reason] = (failures[reason] ?? 0) + 1);

  const runOne = async (): Promise<void> => {
    const created = await http.request('POST', `${attune.url}/api/v1/executions`, {
      action_ref: options.actionRef,
      parameters: options.parameters,
    });
    if (created.status !== 201) throw new Error(`POST /executions answered HTTP ${created.status}: ${JSON.stringify(created.body).slice(0, 200)}`);
    const id = dataOf(created).id;
    const deadline = performance.now() + EXECUTION_DEADLINE_MS;
    for (let attempt = 0; performance.now() < deadline; attempt++) {
      await sleep(POLL_BACKOFF_MS[Math.min(attempt, POLL_BACKOFF_MS.length - 1)]!);
      const polled = await http.request('GET', `${attune.url}/api/v1/executions/${String(id)}`);
      if (polled.status !== 200) throw new Error(`GET /executions/${String(id)} answered HTTP ${polled.status}`);
      const status = String(dataOf(polled).status);
      if (!TERMINAL.has(status)) continue;
      if (status === 'completed') completed++;
      else recordFailure(status);
      return;
    }
    recordFailure('not terminal after 60 s');
  };

  const loop = async (): Promise<void> => {
    while (next < options.count) {
      next++;
      try {
        await runOne();
        consecutiveErrors = 0;
      } catch (error) {
        recordFailure(`request error: ${error instanceof Error ? error.message.slice(0, 120) : String(error)}`);
        if (++consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
          throw new Error(`${MAX_CONSECUTIVE_ERRORS} consecutive request errors; last: ${String(error)}\n--- attune output ---\n${attune.output()}`);
        }
      }
    }
  };

  const startedAt = performance.now();
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const elapsedMs = performance.now() - startedAt;
  const failed = Object.values(failures).reduce((sum, n) => sum + n, 0);
  return {
    actionRef: options.actionRef,
    requested: options.count,
    completed,
    failed,
    elapsedMs,
    perSecond: completed / (elapsedMs / 1000),
    failures,
  };
}

export interface ThroughputSummary {
  readonly perSecond: Summary;
  readonly completed: number;
  readonly failed: number;
  readonly failures: Record<string, number>;
}

export function summarizeThroughput(results: readonly ThroughputResult[]): ThroughputSummary {
  const failures: Record<string, number> = {};
  for (const result of results) {
    for (const [reason, n] of Object.entries(result.failures)) failures[reason] = (failures[reason] ?? 0) + n;
  }
  return {
    perSecond: summarize(results.map((r) => r.perSecond)),
    completed: results.reduce((sum, r) => sum + r.completed, 0),
    failed: results.reduce((sum, r) => sum + r.failed, 0),
    failures,
  };
}
