import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { assertBuilt } from '../support/build.js';
import { TestDatabases } from '../support/postgres.js';
import { TestVhosts } from '../support/rabbitmq.js';
import { until } from '../support/wait.js';

// One set of helpers for every e2e file: waiting, processes and packs come from test/support.
export { isAlive, isReaped, killAll, pidIn } from '../support/processes.js';
export { writePack } from '../support/packs.js';
export { sleep, until } from '../support/wait.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
export const BIN = path.join(ROOT, 'dist/cli/bin.js');

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
}

/** Environment for attune processes in tests: a free port, and no inherited ATTUNE settings. */
function testEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith('ATTUNE')) env[key] = value;
  return { ...env, ATTUNE__SERVER__PORT: '0', ATTUNE__LOG__LEVEL: 'info', ...extra };
}

/** A fresh PostgreSQL database and RabbitMQ vhost for a distributed `attune up`, removed by `cleanup`. */
export interface DistributedAdapters {
  /** ATTUNE__DATABASE__URL and ATTUNE__BUS__URL, for AttuneProcess's `env`. */
  readonly env: Record<string, string>;
  cleanup(): Promise<void>;
}

/** Makes the database and vhost on the servers of `TEST_PG_URL` and `TEST_AMQP_URL`. */
export async function distributedAdapters(pgUrl: string, amqpUrl: string): Promise<DistributedAdapters> {
  const databases = new TestDatabases(pgUrl);
  const vhosts = new TestVhosts(amqpUrl);
  const cleanup = async () => {
    await databases.dropAll();
    await vhosts.dropAll();
  };
  try {
    const database = await databases.create();
    const { url: bus } = await vhosts.create();
    return { env: { ATTUNE__DATABASE__URL: database, ATTUNE__BUS__URL: bus }, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

export function makeHome(): string {
  return mkdtempSync(path.join(tmpdir(), 'attune-e2e-'));
}

/** A real `attune up` in a temporary data dir, driven as a user would: through the CLI and the API. */
export class AttuneProcess {
  readonly home: string;
  readonly #env: Record<string, string>;
  /** The command line after `attune`: `up`, or one service (`worker`), or `up --services …`. */
  readonly #command: readonly string[];
  #child: ChildProcess | undefined;
  #url = '';
  output = '';

  constructor(home = makeHome(), env: Record<string, string> = {}, command: readonly string[] = ['up']) {
    this.home = home;
    this.#env = env;
    this.#command = command;
  }

  get url(): string {
    return this.#url;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Starts `attune up`; `keepApiFile` leaves an api.json already in the data dir (a stale one, say). */
  async start(options: { readonly keepApiFile?: boolean } = {}): Promise<this> {
    assertBuilt('src'); // the e2e tests run dist/: never an old build of the code under test
    // A process without the API writes health.json (its health listener's URL) instead.
    const hasApi = this.#command[0] === 'api' || (this.#command[0] === 'up' && !this.#command.includes('--services')) || this.#command.join(',').includes('api');
    const apiFile = path.join(this.home, hasApi ? 'api.json' : 'health.json');
    if (options.keepApiFile !== true) rmSync(apiFile, { force: true });
    const child = spawn(process.execPath, [BIN, ...this.#command, '--home', this.home], { env: testEnv(this.#env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    let exitCode: number | null | undefined;
    child.once('exit', (code) => (exitCode = code ?? null));
    await until(() => exitCode !== undefined || (existsSync(apiFile) && this.output.includes('is up')), Boolean, 20);
    if (exitCode !== undefined) throw new Error(`attune ${this.#command.join(' ')} exited (${exitCode}) before it was ready:\n${this.output}`);
    this.#url = (JSON.parse(readFileSync(apiFile, 'utf8')) as { url: string }).url;
    return this;
  }

  /** Sends a signal and waits for the process to exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const code = await exited;
    this.#child = undefined;
    return code;
  }

  async cleanup(): Promise<void> {
    await this.stop('SIGKILL');
    rmSync(this.home, { recursive: true, force: true });
  }

  /** Runs the CLI against this process; `input`, when given, is written to its stdin. */
  cli(args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
    return runCli(['--home', this.home, ...args], env, input);
  }

  /** The admin token `attune up` wrote for the local CLI at its first start. */
  get token(): string {
    return readFileSync(path.join(this.home, 'cli-token'), 'utf8').trim();
  }

  /** `Authorization` for the local admin, for tests that call fetch themselves. */
  get authHeaders(): Record<string, string> {
    return { authorization: `Bearer ${this.token}` };
  }

  /** Calls the API as the local admin (the CLI's token); `raw` sends a body as given. */
  async api<T = Record<string, unknown>>(method: string, route: string, body?: unknown, raw?: string): Promise<ApiResponse<T>> {
    return this.apiAs<T>(this.token, method, route, body, raw);
  }

  /** Calls the API with `token` (undefined: no Authorization header). */
  async apiAs<T = Record<string, unknown>>(token: string | undefined, method: string, route: string, body?: unknown, raw?: string): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
    let payload: string | undefined;
    if (raw !== undefined) {
      payload = raw;
      headers['content-type'] = 'application/json';
    } else if (body !== undefined) {
      payload = JSON.stringify(body);
      headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${this.#url}${route}`, { method, headers, body: payload ?? null });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T };
  }

  /** Polls an execution until `predicate` holds for it (the test's own timeout bounds the wait). */
  waitForExecution(id: number, predicate: (execution: ExecutionBody) => boolean): Promise<ExecutionBody> {
    return until(() => this.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${id}`).then((r) => r.body.data), predicate, 25);
  }
}

export interface ExecutionBody {
  readonly id: number;
  readonly status: string;
  readonly action_ref: string;
  readonly parameters: Record<string, unknown>;
  readonly result: {
    exit_code?: number | null;
    stdout?: string;
    stderr?: string;
    data?: unknown;
    error?: string;
    signal?: string | null;
  } | null;
}

export const TERMINAL = ['completed', 'failed', 'timeout', 'cancelled', 'abandoned'];
export const isTerminal = (e: ExecutionBody): boolean => TERMINAL.includes(e.status);

export function runCli(args: readonly string[], env: Record<string, string> = {}, input?: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: testEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.end(input); // no input: stdin is closed at once, as a command run with </dev/null
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The admin password `attune up` prints once, at the first start of a data dir, from its output. */
export function adminPassword(output: string): string {
  const match = /shown only now\):\n\s+(\S+)/.exec(output);
  if (!match?.[1]) throw new Error(`no admin password in:\n${output}`);
  return match[1];
}
