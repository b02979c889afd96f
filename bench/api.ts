import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunningAttune } from './attune-process.js';
import type { Cleanup } from './cleanup.js';
import { dataOf, type HttpClient } from './http-client.js';

/** The page size the API allows at most. */
const PAGE = 1000;

export type Row = Record<string, unknown>;

/** POSTs JSON and returns `data`; anything but `expect` is an error that shows the answer. */
export async function post(http: HttpClient, url: string, body: unknown, expect = 201): Promise<Row> {
  const response = await http.request('POST', url, body);
  if (response.status !== expect) throw new Error(`POST ${url} answered HTTP ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
  return dataOf(response);
}

async function getPage(http: HttpClient, url: string): Promise<{ rows: Row[]; total: number }> {
  const response = await http.request('GET', url);
  const body = response.body as { data?: unknown; pagination?: { total?: unknown } } | null;
  if (response.status !== 200 || !Array.isArray(body?.data) || typeof body.pagination?.total !== 'number') {
    throw new Error(`GET ${url} answered HTTP ${response.status}: ${JSON.stringify(response.body).slice(0, 300)}`);
  }
  return { rows: body.data as Row[], total: body.pagination.total };
}

/** `pagination.total` of a list endpoint (`path` with its query), fetching one row. */
export async function countOf(http: HttpClient, attune: RunningAttune, pathAndQuery: string): Promise<number> {
  const join = pathAndQuery.includes('?') ? '&' : '?';
  return (await getPage(http, `${attune.url}${pathAndQuery}${join}limit=1`)).total;
}

/** Every row of a list endpoint, page by page. Only for lists that no longer change. */
export async function listAll(http: HttpClient, attune: RunningAttune, pathAndQuery: string): Promise<Row[]> {
  const join = pathAndQuery.includes('?') ? '&' : '?';
  const rows: Row[] = [];
  for (let offset = 0; ; offset += PAGE) {
    const page = await getPage(http, `${attune.url}${pathAndQuery}${join}limit=${PAGE}&offset=${offset}`);
    rows.push(...page.rows);
    if (page.rows.length < PAGE || rows.length >= page.total) return rows;
  }
}

/** Milliseconds since the epoch of an ISO timestamp field; throws when it is missing. */
export function timeOf(row: Row, field: string): number {
  const value = row[field];
  const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) throw new Error(`${field} is not a timestamp in ${JSON.stringify(row).slice(0, 300)}`);
  return ms;
}

/** The custom triggers the pipeline benchmarks inject events for: one per rule, so no event fans out. */
export const BENCH_TRIGGERS = ['load_noop', 'load_echo', 'warm_noop', 'warm_echo', 'latency'] as const;

/**
 * Writes the `benchpack` pack (pack.yaml and one trigger file per BENCH_TRIGGERS) to a temp dir and
 * registers it, so rules `benchpack.<name>` on triggers `benchpack.<trigger>` can be created.
 */
export async function registerBenchPack(http: HttpClient, attune: RunningAttune, cleanup: Cleanup): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'attune-bench-pack-'));
  cleanup.trackDir(dir);
  writeFileSync(path.join(dir, 'pack.yaml'), 'ref: benchpack\nversion: 1.0.0\n');
  mkdirSync(path.join(dir, 'triggers'));
  for (const name of BENCH_TRIGGERS) writeFileSync(path.join(dir, 'triggers', `${name}.yaml`), `name: ${name}\ndescription: bench\n`);
  await post(http, `${attune.url}/api/v1/packs/register`, { path: dir }, 200);
}

export interface RuleSpec {
  readonly ref: string;
  readonly triggerRef: string;
  readonly triggerParams?: Record<string, unknown>;
  readonly actionRef: string;
  readonly actionParams?: Record<string, unknown>;
}

export async function createRule(http: HttpClient, attune: RunningAttune, rule: RuleSpec): Promise<void> {
  await post(http, `${attune.url}/api/v1/rules`, {
    ref: rule.ref,
    trigger_ref: rule.triggerRef,
    trigger_params: rule.triggerParams ?? {},
    action_ref: rule.actionRef,
    action_params: rule.actionParams ?? {},
    enabled: true,
  });
}
