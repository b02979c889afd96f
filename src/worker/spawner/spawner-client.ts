import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Exited, SpawnRequest, SpawnerReply } from './protocol.js';

/** The helper program: beside this file once built; from dist when running the sources (tests). */
function helperPath(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const built = path.join(here, 'spawner-main.js');
  return existsSync(built) ? built : path.resolve(here, '../../../dist/worker/spawner/spawner-main.js');
}

/** Node flags of the helper: it holds little, so a small young generation keeps it small. */
const HELPER_EXEC_ARGV = ['--max-semi-space-size=1'];
/** An idle helper is stopped after this long, so an idle Attune does not keep its ~45 MB. */
const HELPER_IDLE_MS = 30_000;

export interface SpawnedProcess {
  /** The pid (and process group id), or undefined if the program could not be started. */
  readonly pid: Promise<number | undefined>;
  readonly exit: Promise<Exited>;
}

interface Pending {
  readonly helper: ChildProcess;
  readonly resolvePid: (pid: number | undefined) => void;
  readonly resolveExit: (exit: Exited) => void;
  readonly rejectExit: (error: Error) => void;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/**
 * Starts action processes through the spawner helper (see spawner-main.ts), which is forked on
 * first use and again after it dies. If it dies with actions running, their runs fail with the
 * reason rather than hang.
 */
export class Spawner {
  #helper: ChildProcess | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | undefined;
  readonly #idleMs: number;

  constructor(options: { readonly idleMs?: number } = {}) {
    this.#idleMs = options.idleMs ?? HELPER_IDLE_MS;
  }

  spawn(request: Omit<SpawnRequest, 'type' | 'id'>): SpawnedProcess {
    const id = this.#nextId++;
    clearTimeout(this.#idleTimer);
    const helper = this.#ensureHelper();
    const pid = deferred<number | undefined>();
    const exit = deferred<Exited>();
    this.#pending.set(id, { helper, resolvePid: pid.resolve, resolveExit: exit.resolve, rejectExit: exit.reject });
    helper.send({ type: 'spawn', id, ...request });
    return { pid: pid.promise, exit: exit.promise };
  }

  /** The helper's pid while it runs. */
  get helperPid(): number | undefined {
    return this.#helper?.pid;
  }

  /** Stops the helper; any action it still runs is killed by it as it goes. */
  close(): void {
    clearTimeout(this.#idleTimer);
    if (this.#helper?.connected) this.#helper.disconnect();
    this.#helper = undefined;
  }

  #ensureHelper(): ChildProcess {
    if (this.#helper?.connected) return this.#helper;
    const helper = fork(helperPath(), [], { execArgv: HELPER_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    helper.on('message', (reply: SpawnerReply) => this.#onReply(reply));
    helper.once('exit', (code, signal) => this.#onHelperExit(helper, code, signal));
    // The helper could not be started, or its channel failed: the runs it held fail, the worker lives on.
    helper.on('error', () => this.#onHelperExit(helper, null, null));
    // The helper must not keep the worker's process alive on its own.
    helper.unref();
    helper.channel?.unref();
    this.#helper = helper;
    return helper;
  }

  #onReply(reply: SpawnerReply): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return;
    if (reply.type === 'spawned') {
      pending.resolvePid(reply.pid);
      return;
    }
    this.#pending.delete(reply.id);
    pending.resolvePid(undefined); // no-op when the pid was already given
    pending.resolveExit(reply);
    if (this.#pending.size === 0) {
      this.#idleTimer = setTimeout(() => this.close(), this.#idleMs);
      this.#idleTimer.unref();
    }
  }

  #onHelperExit(helper: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.#helper === helper) this.#helper = undefined;
    const error = new Error(`the spawner process exited (${signal ?? `code ${code}`}) while the action ran`);
    for (const [id, pending] of this.#pending) {
      if (pending.helper !== helper) continue; // sent to a newer helper
      this.#pending.delete(id);
      pending.resolvePid(undefined);
      pending.rejectExit(error);
    }
  }
}
