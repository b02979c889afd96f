import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { assertBuilt } from '../support/build.js';
import { until } from '../support/wait.js';
import path from 'node:path';
import { BIN, testEnv } from './cli.js';

/** What AttuneProcess drives: one `attune` process, or a stack of them (AttuneStack). */
export interface AttuneRunner {
  /** The API's URL once started. */
  readonly url: string;
  /** The pid of the process with the API. */
  readonly pid: number | undefined;
  /** Everything the processes printed (the API's first). */
  readonly output: string;
  start(options: StartOptions): Promise<void>;
  /** Sends `signal` to every process and waits for them: 0 when all exited 0, else the first other code. */
  stop(signal: NodeJS.Signals): Promise<number | null>;
  /** After stop: removes what the runner made outside the data dir (a database, a vhost). */
  dispose(): Promise<void>;
}

export interface StartOptions {
  /** Leaves an api.json already in the data dir (a stale one, say). */
  readonly keepApiFile?: boolean;
}

/** One `attune <command> --home <home>` process: `up`, one service (`worker`), or `up --services …`. */
export class SingleProcess implements AttuneRunner {
  readonly #home: string;
  readonly #env: Record<string, string>;
  readonly #command: readonly string[];
  #child: ChildProcess | undefined;
  #url = '';
  output = '';

  constructor(home: string, env: Record<string, string>, command: readonly string[]) {
    this.#home = home;
    this.#env = env;
    this.#command = command;
  }

  get url(): string {
    return this.#url;
  }

  get pid(): number | undefined {
    return this.#child?.pid;
  }

  async start(options: StartOptions = {}): Promise<void> {
    assertBuilt('src'); // the e2e tests run dist/: never an old build of the code under test
    // A process without the API writes health.json (its health listener's URL) instead.
    const hasApi = this.#command[0] === 'api' || (this.#command[0] === 'up' && !this.#command.includes('--services')) || this.#command.join(',').includes('api');
    const apiFile = path.join(this.#home, hasApi ? 'api.json' : 'health.json');
    if (options.keepApiFile !== true) rmSync(apiFile, { force: true });
    const child = spawn(process.execPath, [BIN, ...this.#command, '--home', this.#home], { env: testEnv(this.#env), stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    child.stdout.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (this.output += chunk.toString()));
    let exitCode: number | null | undefined;
    child.once('exit', (code) => (exitCode = code ?? null));
    await until(() => exitCode !== undefined || (existsSync(apiFile) && this.output.includes('is up')), Boolean, 20);
    if (exitCode !== undefined) throw new Error(`attune ${this.#command.join(' ')} exited (${exitCode}) before it was ready:\n${this.output}`);
    this.#url = (JSON.parse(readFileSync(apiFile, 'utf8')) as { url: string }).url;
  }

  async stop(signal: NodeJS.Signals): Promise<number | null> {
    const child = this.#child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill(signal);
    const code = await exited;
    this.#child = undefined;
    return code;
  }

  dispose(): Promise<void> {
    return Promise.resolve();
  }
}
