import { MemorySampler, type RunningAttune } from './attune-process.js';
import { countOf, createRule, listAll, timeOf } from './api.js';
import type { Cleanup } from './cleanup.js';
import type { HttpClient } from './http-client.js';
import { distribution, sleep, type Distribution } from './stats.js';

const SENSOR_REF = 'core.interval_timer_sensor';
/** Text in the sensor process's command line: guards against killing a reused pid. */
export const SENSOR_MARKER = 'interval_timer_sensor';
const SENSOR_START_TIMEOUT_MS = 15_000;

export interface TimerResult {
  readonly seconds: number;
  readonly fires: number;
  /** Grid instants from the first scheduled_at up to the end of the run (less 100 ms in flight). */
  readonly expected: number;
  /** Fires whose scheduled_at repeats an earlier one. */
  readonly duplicate_fires: number;
  /** Grid instants with no fire. */
  readonly missed_fires: number;
  /** Rule created → first scheduled_at (the timer is anchored at the sensor's start, first fire one interval later). */
  readonly first_fire_after_rule_ms: number;
  /** fired_at − scheduled_at of each fire: how late the timer callback ran. */
  readonly fire_offset_ms: Distribution | undefined;
  /** |scheduled_at − (first + k·1000)|: whether the schedule itself wanders. */
  readonly grid_offset_ms: Distribution | undefined;
  /** last scheduled_at − (first + (n−1)·1000): drift over the whole run. */
  readonly drift_ms: number;
  /** fired_at → event.created: the sensor's stdout line to the stored event. */
  readonly fired_to_stored_ms: Distribution | undefined;
  /** Executions of the timer rule that completed, against fires. */
  readonly executions_completed: number;
  /** Null when the sensor runs inside attune up (sensors.timer_in_process, the default). */
  readonly sensor_pid: number | null;
  /** VmRSS of the timer sensor process, sampled every second while the timer ran (none in-process). */
  readonly sensor_rss_mb: Distribution | undefined;
  /** VmRSS of `attune up` over the same time. */
  readonly attune_rss_mb: Distribution | undefined;
}

/** The timer sensor's pid once it runs, or null when it runs inside attune up. */
async function sensorPid(http: HttpClient, attune: RunningAttune): Promise<number | null> {
  const deadline = performance.now() + SENSOR_START_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const response = await http.request('GET', `${attune.url}/api/v1/sensors`);
    type Status = { state?: string; pid?: number | null; in_process?: boolean };
    const sensors = (response.body as { data?: { ref?: string; status?: Status }[] } | null)?.data ?? [];
    const status = sensors.find((s) => s.ref === SENSOR_REF)?.status;
    if (status?.state === 'running' && status.in_process === true) return null;
    if (typeof status?.pid === 'number') return status.pid;
    await sleep(50);
  }
  throw new Error(`${SENSOR_REF} did not start within ${SENSOR_START_TIMEOUT_MS} ms\n--- attune output ---\n${attune.output()}`);
}

/** A 1-second interval timer rule with core.noop, left to run for `seconds`; its events' payloads tell how accurate it was. */
export async function measureTimer(http: HttpClient, attune: RunningAttune, cleanup: Cleanup, seconds: number): Promise<TimerResult> {
  const ruleRef = 'benchpack.timer';
  const ruleCreatedAt = Date.now();
  await createRule(http, attune, {
    ref: ruleRef,
    triggerRef: 'core.intervaltimer',
    triggerParams: { unit: 'seconds', interval: 1 },
    actionRef: 'core.noop',
  });
  const pid = await sensorPid(http, attune);
  if (pid !== null) cleanup.trackPid(pid, SENSOR_MARKER);
  const sensorRss = pid === null ? undefined : new MemorySampler(pid, 'VmRSS', 1000);
  const attuneRss = new MemorySampler(attune.pid, 'VmRSS', 1000);
  await sleep(ruleCreatedAt + seconds * 1000 + 300 - Date.now());
  const endedAt = Date.now();
  const sensorSamples = sensorRss?.stop() ?? [];
  const attuneSamples = attuneRss.stop();

  const events = await listAll(http, attune, `/api/v1/events?rule_ref=${encodeURIComponent(ruleRef)}`);
  const fires = events
    .map((event) => {
      const payload = event.payload as Record<string, unknown>;
      return { scheduled: timeOf(payload, 'scheduled_at'), fired: timeOf(payload, 'fired_at'), stored: timeOf(event, 'created') };
    })
    .sort((a, b) => a.scheduled - b.scheduled);
  const first = fires[0];
  if (first === undefined) throw new Error(`the timer rule produced no events in ${seconds} s\n--- attune output ---\n${attune.output()}`);
  const last = fires[fires.length - 1]!;
  const distinct = new Set(fires.map((f) => f.scheduled));
  const expected = Math.floor((endedAt - 100 - first.scheduled) / 1000) + 1;
  const onGrid = new Set(fires.map((f) => Math.round((f.scheduled - first.scheduled) / 1000)));
  const executionsCompleted = await countOf(http, attune, `/api/v1/executions?rule_ref=${ruleRef}&status=completed`);
  return {
    seconds,
    fires: fires.length,
    expected,
    duplicate_fires: fires.length - distinct.size,
    missed_fires: Math.max(0, expected - onGrid.size),
    first_fire_after_rule_ms: first.scheduled - ruleCreatedAt,
    fire_offset_ms: distribution(fires.map((f) => f.fired - f.scheduled), 0),
    grid_offset_ms: distribution(
      fires.map((f) => Math.abs(f.scheduled - (first.scheduled + Math.round((f.scheduled - first.scheduled) / 1000) * 1000))),
      0,
    ),
    drift_ms: last.scheduled - (first.scheduled + (fires.length - 1) * 1000),
    fired_to_stored_ms: distribution(fires.map((f) => f.stored - f.fired), 0),
    executions_completed: executionsCompleted,
    sensor_pid: pid,
    sensor_rss_mb: distribution(sensorSamples),
    attune_rss_mb: distribution(attuneSamples),
  };
}
