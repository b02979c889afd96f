import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { isDistributedE2e } from '../support/e2e-mode.js';
import { TestDatabases } from '../support/postgres.js';
import { TestVhosts } from '../support/rabbitmq.js';
import { until } from '../support/wait.js';
import { AttuneStack } from './attune-stack.js';
import { type CliResult, runCli } from './cli.js';
import { type AttuneRunner, SingleProcess } from './single-process.js';

// One set of helpers for every e2e file: waiting, processes and packs come from test/support.
export { isAlive, isReaped, killAll, pidIn } from '../support/processes.js';
export { writePack } from '../support/packs.js';
export { sleep, until } from '../support/wait.js';
export { isDistributedE2e } from '../support/e2e-mode.js';
export { describeEmbeddedOnly, itEmbeddedOnly } from '../support/embedded-only.js';
export { BIN, type CliResult, runCli } from './cli.js';

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly body: T;
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

/**
 * A real `attune up` in a temporary data dir, driven as a user would: through the CLI and the API.
 * With ATTUNE_E2E_MODE=distributed, the default `up` on no database of the test's own is an
 * AttuneStack instead: each service in its own process on PostgreSQL and RabbitMQ, behind the
 * same members (`home` is the API's data dir, so the CLI finds it).
 */
export class AttuneProcess {
  readonly home: string;
  readonly #runner: AttuneRunner;

  /** `command` is the command line after `attune`: `up`, or one service (`worker`), or `up --services …`. */
  constructor(home = makeHome(), env: Record<string, string> = {}, command: readonly string[] = ['up']) {
    this.home = home;
    const isWholeUp = command.length === 1 && command[0] === 'up' && env.ATTUNE__DATABASE__URL === undefined;
    this.#runner = isWholeUp && isDistributedE2e() ? new AttuneStack(home, env) : new SingleProcess(home, env, command);
  }

  get url(): string {
    return this.#runner.url;
  }

  /** The pid of the process with the API (in distributed mode: `attune api`). */
  get pid(): number | undefined {
    return this.#runner.pid;
  }

  /** What the process (in distributed mode: every process, the API's first) printed so far. */
  get output(): string {
    return this.#runner.output;
  }

  /** Starts `attune up`; `keepApiFile` leaves an api.json already in the data dir (a stale one, say). */
  async start(options: { readonly keepApiFile?: boolean } = {}): Promise<this> {
    await this.#runner.start(options);
    return this;
  }

  /** Sends a signal and waits for the process (every process) to exit. */
  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    return this.#runner.stop(signal);
  }

  /** Kills what still runs and removes the data dir (and, in distributed mode, the database and vhost). */
  async cleanup(): Promise<void> {
    await this.stop('SIGKILL');
    await this.#runner.dispose();
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
    const response = await fetch(`${this.url}${route}`, { method, headers, body: payload ?? null });
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

/** The admin password `attune up` prints once, at the first start of a data dir, from its output. */
export function adminPassword(output: string): string {
  const match = /shown only now\):\n\s+(\S+)/.exec(output);
  if (!match?.[1]) throw new Error(`no admin password in:\n${output}`);
  return match[1];
}
