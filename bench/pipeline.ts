import type { RunningAttune } from './attune-process.js';
import { countOf, listAll, post, timeOf, type Row } from './api.js';
import type { HttpClient } from './http-client.js';
import { distribution, sleep, type Distribution } from './stats.js';

/** How often the completed count is polled while draining (the last finish time comes from finished_at). */
const POLL_MS = 50;
/** How often it is polled while injecting, for the backlog bound: rarely, as each poll costs the server a count. */
const MONITOR_MS = 200;
/** Draining gives up when the completed count has not moved for this long. */
const STALL_MS = 30_000;
/** A run stops early after this many consecutive POST errors: the server is down or broken. */
const MAX_CONSECUTIVE_ERRORS = 20;

export interface PipelineOptions {
  readonly ruleRef: string;
  readonly triggerRef: string;
  readonly actionRef: string;
  readonly seconds: number;
  readonly injectors: number;
  /** Injectors pause while more than this many injected events have no completed execution (0: never). */
  readonly maxBacklog: number;
}

export interface PipelineResult {
  readonly action_ref: string;
  readonly injectors: number;
  readonly max_backlog: number;
  /** Events accepted (HTTP 201). */
  readonly injected: number;
  readonly inject_errors: number;
  /** Injection window: first POST sent to last 201 received. */
  readonly inject_seconds: number;
  readonly injected_per_s: number;
  /** Time injectors spent paused because the backlog was full. */
  readonly throttled_seconds: number;
  /** Executions of the rule that ended `completed`. */
  readonly completed: number;
  /** First POST sent to the last execution's finished_at (both on this machine's clock). */
  readonly pipeline_seconds: number;
  readonly completed_per_s: number;
  /** Last 201 to the last finished_at: how far the pipeline was behind when injection stopped. */
  readonly drain_seconds: number;
  /** Executions of the rule in any status. */
  readonly executions: number;
  /** Injected events with no execution, and events with more than one. */
  readonly missing: number;
  readonly duplicates: number;
  /** Executions that ended in a status other than completed, by status. */
  readonly not_completed: Readonly<Record<string, number>>;
  /** Injected event → its execution finished, over every event (shows queueing under saturation). */
  readonly event_to_finished_ms: Distribution | undefined;
}

/**
 * Injects events for one rule from `injectors` keep-alive loops for `seconds`, as fast as the API
 * takes them (bounded by `maxBacklog` so the run measures the pipeline, not a queue that takes
 * minutes to drain); then waits until every event's execution completed and checks the counts
 * event by event.
 */
export async function measurePipeline(http: HttpClient, attune: RunningAttune, options: PipelineOptions): Promise<PipelineResult> {
  const executionsUrl = `/api/v1/executions?rule_ref=${encodeURIComponent(options.ruleRef)}`;
  const completedUrl = `${executionsUrl}&status=completed`;
  const baseline = await countOf(http, attune, executionsUrl);
  if (baseline !== 0) throw new Error(`rule ${options.ruleRef} already has ${baseline} executions`);

  const eventCreated = new Map<number, number>();
  let sent = 0;
  let errors = 0;
  let consecutiveErrors = 0;
  let completed = 0;
  let throttledMs = 0;
  let injecting = true;

  const monitor = (async () => {
    while (injecting) {
      completed = await countOf(http, attune, completedUrl);
      await sleep(MONITOR_MS);
    }
  })();

  const startedWall = Date.now();
  const startedAt = performance.now();
  const stopAt = startedAt + options.seconds * 1000;
  let lastAcceptedAt = startedAt;
  const injector = async (): Promise<void> => {
    while (performance.now() < stopAt) {
      if (options.maxBacklog > 0 && sent - completed >= options.maxBacklog) {
        const pausedAt = performance.now();
        await sleep(5);
        throttledMs += (performance.now() - pausedAt) / options.injectors;
        continue;
      }
      sent++;
      try {
        const event = await post(http, `${attune.url}/api/v1/events`, { trigger_ref: options.triggerRef, payload: { n: sent } });
        eventCreated.set(Number(event.id), timeOf(event, 'created'));
        lastAcceptedAt = performance.now();
        consecutiveErrors = 0;
      } catch (error) {
        sent--;
        errors++;
        if (++consecutiveErrors >= MAX_CONSECUTIVE_ERRORS) {
          throw new Error(`${MAX_CONSECUTIVE_ERRORS} consecutive POST /events errors; last: ${String(error)}\n--- attune output ---\n${attune.output()}`);
        }
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.injectors }, injector));
  } finally {
    injecting = false;
    await monitor;
  }
  const injected = eventCreated.size;
  const injectSeconds = (lastAcceptedAt - startedAt) / 1000;

  // Drain: until every event's execution completed, or nothing moves for STALL_MS.
  let lastProgressAt = performance.now();
  for (let seen = -1; ; ) {
    completed = await countOf(http, attune, completedUrl);
    if (completed >= injected) break;
    if (completed !== seen) {
      seen = completed;
      lastProgressAt = performance.now();
    } else if (performance.now() - lastProgressAt > STALL_MS) {
      break;
    }
    await sleep(POLL_MS);
  }
  // A duplicate would be written right after the original; give it a moment to show.
  await sleep(500);

  const rows = await listAll(http, attune, executionsUrl);
  const perEvent = new Map<number, number>();
  const notCompleted: Record<string, number> = {};
  let lastFinished = 0;
  const toFinished: number[] = [];
  for (const row of rows) {
    const id = Number(row.event_id);
    perEvent.set(id, (perEvent.get(id) ?? 0) + 1);
    const status = String(row.status);
    if (status !== 'completed') notCompleted[status] = (notCompleted[status] ?? 0) + 1;
    if (typeof row.finished_at === 'string') {
      const finished = timeOf(row, 'finished_at');
      lastFinished = Math.max(lastFinished, finished);
      const created = eventCreated.get(id);
      if (created !== undefined) toFinished.push(finished - created);
    }
  }
  const completedCount = rows.length - Object.values(notCompleted).reduce((a, b) => a + b, 0);
  let missing = 0;
  for (const id of eventCreated.keys()) if (!perEvent.has(id)) missing++;
  let duplicates = 0;
  for (const [id, n] of perEvent) {
    if (n > 1) duplicates += n - 1;
    if (!eventCreated.has(id)) duplicates++; // an execution for an event this run never injected
  }
  const pipelineSeconds = (lastFinished - startedWall) / 1000;
  const round = (value: number, decimals = 1) => Number(value.toFixed(decimals));
  return {
    action_ref: options.actionRef,
    injectors: options.injectors,
    max_backlog: options.maxBacklog,
    injected,
    inject_errors: errors,
    inject_seconds: round(injectSeconds, 2),
    injected_per_s: round(injected / injectSeconds),
    throttled_seconds: round(throttledMs / 1000, 2),
    completed: completedCount,
    pipeline_seconds: round(pipelineSeconds, 2),
    completed_per_s: round(completedCount / pipelineSeconds),
    drain_seconds: round(Math.max(0, lastFinished - (startedWall + (lastAcceptedAt - startedAt))) / 1000, 2),
    executions: rows.length,
    missing,
    duplicates,
    not_completed: notCompleted,
    event_to_finished_ms: distribution(toFinished),
  };
}

/** Injects `count` events for a rule and waits for their executions: JIT, statements, first spawn. */
export async function warmUp(http: HttpClient, attune: RunningAttune, triggerRef: string, ruleRef: string, count: number, concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < count) await post(http, `${attune.url}/api/v1/events`, { trigger_ref: triggerRef, payload: {} });
    }),
  );
  const url = `/api/v1/executions?rule_ref=${encodeURIComponent(ruleRef)}&status=completed`;
  const deadline = performance.now() + STALL_MS;
  while ((await countOf(http, attune, url)) < count) {
    if (performance.now() > deadline) throw new Error(`warm-up: ${ruleRef} did not complete ${count} executions within ${STALL_MS} ms`);
    await sleep(POLL_MS);
  }
}

export interface LatencyResult {
  readonly rate_per_s: number;
  readonly seconds: number;
  readonly injected: number;
  readonly completed: number;
  readonly missing: number;
  readonly duplicates: number;
  /** event.created → execution.created (the rule engine and executor wrote the execution). */
  readonly event_to_execution_created_ms: Distribution | undefined;
  /** event.created → execution.started_at (a worker picked it up). */
  readonly event_to_started_ms: Distribution | undefined;
  /** event.created → execution.finished_at. */
  readonly event_to_finished_ms: Distribution | undefined;
  /** How late the client sent events against its schedule (client-side jitter, for context). */
  readonly send_lag_ms: Distribution | undefined;
}

/**
 * Injects events at a light, steady rate (anchored schedule, not awaiting each answer), then joins
 * each event's stored `created` with its execution's timestamps. Timestamps are ms precision.
 */
export async function measureLatency(
  http: HttpClient,
  attune: RunningAttune,
  options: { ruleRef: string; triggerRef: string; ratePerSecond: number; seconds: number },
): Promise<LatencyResult> {
  const count = Math.round(options.ratePerSecond * options.seconds);
  const periodMs = 1000 / options.ratePerSecond;
  const eventCreated = new Map<number, number>();
  const sendLag: number[] = [];
  const pending: Promise<void>[] = [];
  const startedAt = performance.now() + 50;
  for (let i = 0; i < count; i++) {
    const due = startedAt + i * periodMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    sendLag.push(performance.now() - due);
    pending.push(
      post(http, `${attune.url}/api/v1/events`, { trigger_ref: options.triggerRef, payload: { i } }).then((event) => {
        eventCreated.set(Number(event.id), timeOf(event, 'created'));
      }),
    );
  }
  await Promise.all(pending);

  const executionsUrl = `/api/v1/executions?rule_ref=${encodeURIComponent(options.ruleRef)}`;
  const deadline = performance.now() + STALL_MS;
  while ((await countOf(http, attune, `${executionsUrl}&status=completed`)) < count && performance.now() < deadline) await sleep(POLL_MS);
  await sleep(200);

  const rows: Row[] = await listAll(http, attune, executionsUrl);
  const toCreated: number[] = [];
  const toStarted: number[] = [];
  const toFinished: number[] = [];
  const seen = new Set<number>();
  let duplicates = 0;
  let completed = 0;
  for (const row of rows) {
    const id = Number(row.event_id);
    const created = eventCreated.get(id);
    if (seen.has(id) || created === undefined) duplicates++;
    seen.add(id);
    if (created === undefined || row.status !== 'completed') continue;
    completed++;
    toCreated.push(timeOf(row, 'created') - created);
    toStarted.push(timeOf(row, 'started_at') - created);
    toFinished.push(timeOf(row, 'finished_at') - created);
  }
  let missing = 0;
  for (const id of eventCreated.keys()) if (!seen.has(id)) missing++;
  return {
    rate_per_s: options.ratePerSecond,
    seconds: options.seconds,
    injected: eventCreated.size,
    completed,
    missing,
    duplicates,
    event_to_execution_created_ms: distribution(toCreated, 0),
    event_to_started_ms: distribution(toStarted, 0),
    event_to_finished_ms: distribution(toFinished, 0),
    send_lag_ms: distribution(sendLag),
  };
}
