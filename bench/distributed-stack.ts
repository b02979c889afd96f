import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ATTUNE_BIN, attuneEnv, stopProcess, type RunningAttune } from './attune-process.js';
import type { Cleanup } from './cleanup.js';
import type { HttpClient } from './http-client.js';
import { sleep } from './stats.js';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** Where the distributed group finds its servers: `--pg-url` and `--amqp-url`, defaulting to this machine's. */
export interface Servers {
  readonly pgUrl: string;
  readonly amqpUrl: string;
}

/** The services of one distributed deployment, each its own process, on a fresh database and vhost. */
export interface RunningStack {
  /** The `attune api` process, driven by the same helpers as an embedded `attune up`. */
  readonly api: RunningAttune;
  /** Every process of the stack: api, executor, workers, sensor. */
  readonly processes: readonly StackProcess[];
  stop(): Promise<void>;
}

interface StackProcess {
  readonly role: string;
  readonly home: string;
  readonly child: ChildProcess;
  output(): string;
}

/**
 * Starts `attune api`, `attune executor`, `workers` × `attune worker` and `attune sensor` as
 * separate processes on a database and a vhost made for this run (dropped by `stop`), as
 * docs/deploy.md lays them out on one host.
 */
export async function startStack(cleanup: Cleanup, http: HttpClient, servers: Servers, workers: number): Promise<RunningStack> {
  const suffix = randomBytes(5).toString('hex');
  const database = `attune_bench_${suffix}`;
  const vhost = `attune_bench_${suffix}`;
  await pgAdmin(servers.pgUrl, `create database ${database}`);
  const dropAll = async () => {
    await pgAdmin(servers.pgUrl, `drop database if exists ${database} with (force)`);
    await run('rabbitmqctl', ['-q', 'delete_vhost', vhost]).catch(() => undefined); // not made yet: nothing to drop
  };
  const processes: StackProcess[] = [];
  const stop = async () => {
    await Promise.all(processes.map((p) => stopProcess(p.child)));
    for (const p of processes) cleanup.removeDir(p.home);
    await dropAll();
  };
  try {
    await run('rabbitmqctl', ['-q', 'add_vhost', vhost]);
    const amqp = new URL(servers.amqpUrl);
    await run('rabbitmqctl', ['-q', 'set_permissions', '-p', vhost, decodeURIComponent(amqp.username || 'guest'), '.*', '.*', '.*']);
    amqp.pathname = `/${vhost}`;
    const dbUrl = new URL(servers.pgUrl);
    dbUrl.pathname = `/${database}`;
    const env = { ATTUNE__DATABASE__URL: dbUrl.toString(), ATTUNE__BUS__URL: amqp.toString() };

    const startedAt = performance.now();
    const apiHome = newHome(cleanup);
    await run(ATTUNE_BIN, ['db', 'migrate', '--home', apiHome], { env: { ...attuneEnv(), ...env } });
    const api = launch(cleanup, 'api', ['api'], apiHome, env);
    processes.push(api);
    const { url, pid } = await waitForFile<{ url: string; pid: number }>(api, path.join(apiHome, 'api.json'));
    await waitHealthy(http, url, api);
    http.authorize(readFileSync(path.join(apiHome, 'cli-token'), 'utf8').trim());
    const others = { ...env, ATTUNE__SERVER__API_URL: url };
    const roles: [string, string[], Record<string, string>][] = [
      ['executor', ['executor'], others],
      ...Array.from({ length: workers }, (_, i): [string, string[], Record<string, string>] => [`worker ${i + 1}`, ['worker'], { ...others, ATTUNE__WORKER__ID: `bench-w${i + 1}` }]),
      ['sensor', ['sensor'], others],
    ];
    const rest = roles.map(([role, command, roleEnv]) => launch(cleanup, role, command, newHome(cleanup), roleEnv));
    processes.push(...rest);
    await Promise.all(rest.map(async (p) => waitHealthy(http, (await waitForFile<{ url: string }>(p, path.join(p.home, 'health.json'))).url, p)));
    const readyMs = performance.now() - startedAt;
    return { api: { home: apiHome, url, pid, readyMs, child: api.child, output: api.output }, processes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function newHome(cleanup: Cleanup): string {
  const home = mkdtempSync(path.join(os.tmpdir(), 'attune-bench-'));
  cleanup.trackDir(home);
  return home;
}

function launch(cleanup: Cleanup, role: string, command: readonly string[], home: string, env: Record<string, string>): StackProcess {
  let tail = '';
  const child = spawn(ATTUNE_BIN, [...command, '--home', home], { env: { ...attuneEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.trackChild(child);
  const keep = (chunk: Buffer) => (tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { role, home, child, output: () => tail.trim() };
}

async function waitForFile<T>(p: StackProcess, file: string): Promise<T> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) throw new Error(`attune ${p.role} exited before it was ready:\n${p.output()}`);
    if (existsSync(file)) {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as T;
      } catch {
        // Caught mid-write: the next poll reads the whole file.
      }
    }
    await sleep(10);
  }
  throw new Error(`attune ${p.role} wrote no ${path.basename(file)} within ${READY_TIMEOUT_MS} ms:\n${p.output()}`);
}

async function waitHealthy(http: HttpClient, url: string, p: StackProcess): Promise<void> {
  const deadline = performance.now() + READY_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const status = await http.request('GET', `${url}/api/v1/health`).then((r) => r.status, () => 0);
    if (status === 200) return;
    await sleep(10);
  }
  throw new Error(`attune ${p.role} was not healthy within ${READY_TIMEOUT_MS} ms:\n${p.output()}`);
}

async function pgAdmin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Whether both servers answer: the distributed group is skipped, saying so, when one does not. */
export async function serversReachable(servers: Servers): Promise<string | undefined> {
  try {
    await pgAdmin(servers.pgUrl, 'select 1');
  } catch (error) {
    return `PostgreSQL at ${redact(servers.pgUrl)}: ${error instanceof Error ? error.message : String(error)}`;
  }
  try {
    await run('rabbitmqctl', ['-q', 'status'], { timeout: 30_000 });
  } catch (error) {
    return `RabbitMQ (rabbitmqctl status): ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
  }
  return undefined;
}

function redact(url: string): string {
  const parsed = new URL(url);
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}
