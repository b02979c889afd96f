import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCpuMs, type RunningAttune } from './attune-process.js';
import { countOf, createRule, listAll, post, timeOf } from './api.js';
import type { Cleanup } from './cleanup.js';
import { dataOf, type HttpClient } from './http-client.js';
import { sleep } from './stats.js';

const POLL_MS = 100;
/** Waiting gives up when the completed count has not moved for this long. */
const STALL_MS = 30_000;
export const BURST_RULE = 'burstpack.burst';

export interface SensorBurstResult {
  readonly events: number;
  readonly completed: number;
  readonly missing: number;
  readonly duplicates: number;
  /** First event stored → last execution finished (stored timestamps, ms precision). */
  readonly seconds: number;
  readonly per_second: number;
  /** CPU time of `attune up` from enabling the rule to the last execution completed, per event (ms; null without /proc). */
  readonly cpu_ms_per_event: number | null;
}

/**
 * Writes and registers `burstpack`: a shell sensor that prints `count` event lines as fast as awk
 * can, then sleeps (so the sensor service does not restart it and burst again).
 */
export async function registerBurstPack(http: HttpClient, attune: RunningAttune, cleanup: Cleanup, count: number): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attune-bench-burst-'));
  cleanup.trackDir(dir);
  writeFileSync(path.join(dir, 'pack.yaml'), 'ref: burstpack\nversion: 1.0.0\n');
  mkdirSync(path.join(dir, 'triggers'));
  mkdirSync(path.join(dir, 'sensors'));
  writeFileSync(path.join(dir, 'triggers', 'burst.yaml'), 'name: burst\ndescription: bench\n');
  const line = String.raw`{\"trigger_ref\":\"burstpack.burst\",\"payload\":{\"n\":%d}}\n`;
  writeFileSync(path.join(dir, 'sensors', 'burst.sh'), `awk 'BEGIN { for (i = 1; i <= ${count}; i++) printf "${line}", i }'\nexec sleep 86400\n`);
  writeFileSync(path.join(dir, 'sensors', 'burst.yaml'), 'name: burst\nrunner_type: shell\nentry_point: burst.sh\ntrigger_types: [burstpack.burst]\n');
  await post(http, `${attune.url}/api/v1/packs/register`, { path: dir }, 200);
}

/**
 * Enables a `core.noop` rule on the burst trigger, which starts the sensor; waits until every
 * event's execution completed; then checks event by event and times first event stored → last
 * execution finished.
 */
export async function measureSensorBurst(http: HttpClient, attune: RunningAttune, count: number): Promise<SensorBurstResult> {
  const executionsUrl = `/api/v1/executions?rule_ref=${encodeURIComponent(BURST_RULE)}`;
  const cpuBefore = readCpuMs(attune.pid);
  await createRule(http, attune, { ref: BURST_RULE, triggerRef: 'burstpack.burst', actionRef: 'core.noop' });
  let lastProgressAt = performance.now();
  for (let seen = -1; ; await sleep(POLL_MS)) {
    const completed = await countOf(http, attune, `${executionsUrl}&status=completed`);
    if (completed >= count) break;
    if (completed !== seen) {
      seen = completed;
      lastProgressAt = performance.now();
    } else if (performance.now() - lastProgressAt > STALL_MS) {
      break;
    }
  }
  const cpuAfter = readCpuMs(attune.pid);
  await sleep(300); // a duplicate would show right after the original
  const rows = await listAll(http, attune, executionsUrl);
  const events = new Set<number>();
  let duplicates = 0;
  let completed = 0;
  let firstEvent = Number.POSITIVE_INFINITY;
  let lastFinished = 0;
  for (const row of rows) {
    const id = Number(row.event_id);
    if (events.has(id)) duplicates++;
    events.add(id);
    firstEvent = Math.min(firstEvent, id);
    if (row.status !== 'completed') continue;
    completed++;
    lastFinished = Math.max(lastFinished, timeOf(row, 'finished_at'));
  }
  const first = await http.request('GET', `${attune.url}/api/v1/events/${firstEvent}`);
  const firstStored = timeOf(dataOf(first), 'created');
  const seconds = (lastFinished - firstStored) / 1000;
  return {
    events: count,
    completed,
    missing: count - events.size,
    duplicates,
    seconds: Number(seconds.toFixed(3)),
    per_second: Number((completed / seconds).toFixed(1)),
    cpu_ms_per_event: cpuBefore === undefined || cpuAfter === undefined ? null : Number(((cpuAfter - cpuBefore) / count).toFixed(3)),
  };
}
