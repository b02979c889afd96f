import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { post } from './api.js';
import type { RunningAttune } from './attune-process.js';
import type { Cleanup } from './cleanup.js';
import { dataOf, type HttpClient } from './http-client.js';
import { sleep, summarize, type Summary } from './stats.js';

export interface WorkflowResult {
  /** Wall time of one plain core.noop execution, request to finished (ms). */
  readonly plain_ms: Summary;
  /** Wall time of a 10-task sequential workflow of core.noop, per task (ms). */
  readonly per_task_ms: Summary;
  /** Added latency per workflow task over a plain execution (median per task − median plain). */
  readonly added_per_task_ms: number;
  /** Wall time of a 1,000-item with_items of core.noop at concurrency 50 (ms). */
  readonly fanout_ms: number;
  readonly fanout_status: string;
}

const SEQUENCE = 10;

/** The `benchflow` pack: a 10-task sequence and a with_items fan-out, both of core.noop. */
async function registerFlowPack(http: HttpClient, attune: RunningAttune, cleanup: Cleanup): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attune-bench-flow-'));
  cleanup.trackDir(dir);
  mkdirSync(path.join(dir, 'actions', 'workflows'), { recursive: true });
  writeFileSync(path.join(dir, 'pack.yaml'), 'ref: benchflow\nversion: 1.0.0\n');
  writeFileSync(path.join(dir, 'actions', 'seq.yaml'), 'name: seq\nworkflow_file: workflows/seq.yaml\n');
  const tasks = Array.from({ length: SEQUENCE }, (_, i) =>
    i + 1 < SEQUENCE ? `  - {name: t${i}, action: core.noop, next: [{do: [t${i + 1}]}]}` : `  - {name: t${i}, action: core.noop}`,
  );
  writeFileSync(path.join(dir, 'actions', 'workflows', 'seq.yaml'), `tasks:\n${tasks.join('\n')}\n`);
  writeFileSync(path.join(dir, 'actions', 'fan.yaml'), 'name: fan\nworkflow_file: workflows/fan.yaml\nparameters:\n  items: {type: array}\n');
  const fan = 'tasks:\n  - {name: each, action: core.noop, with_items: "{{ parameters.items }}", concurrency: 50}\n';
  writeFileSync(path.join(dir, 'actions', 'workflows', 'fan.yaml'), fan);
  await post(http, `${attune.url}/api/v1/packs/register`, { path: dir }, 200);
}

/** Runs one execution and waits for it to end; its wall time in ms and its status. */
async function timeExecution(http: HttpClient, attune: RunningAttune, actionRef: string, parameters: unknown): Promise<{ ms: number; status: string }> {
  const started = performance.now();
  const created = await post(http, `${attune.url}/api/v1/executions`, { action_ref: actionRef, parameters });
  for (let delay = 2; ; delay = Math.min(delay * 1.5, 50)) {
    const row = dataOf(await http.request('GET', `${attune.url}/api/v1/executions/${String(created.id)}`));
    const status = String(row.status);
    if (['completed', 'failed', 'timeout', 'cancelled', 'abandoned'].includes(status)) return { ms: performance.now() - started, status };
    await sleep(delay);
  }
}

export async function measureWorkflows(http: HttpClient, attune: RunningAttune, cleanup: Cleanup, runs: number): Promise<WorkflowResult> {
  await registerFlowPack(http, attune, cleanup);
  await timeExecution(http, attune, 'benchflow.seq', {}); // warm-up
  const plain: number[] = [];
  const perTask: number[] = [];
  for (let run = 0; run < runs; run++) {
    plain.push((await timeExecution(http, attune, 'core.noop', {})).ms);
    perTask.push((await timeExecution(http, attune, 'benchflow.seq', {})).ms / SEQUENCE);
  }
  const items = Array.from({ length: 1000 }, (_, i) => i);
  const fanout = await timeExecution(http, attune, 'benchflow.fan', { items });
  const plainMs = summarize(plain);
  const perTaskMs = summarize(perTask);
  return {
    plain_ms: plainMs,
    per_task_ms: perTaskMs,
    added_per_task_ms: Math.round((perTaskMs.median - plainMs.median) * 10) / 10,
    fanout_ms: Math.round(fanout.ms),
    fanout_status: fanout.status,
  };
}
