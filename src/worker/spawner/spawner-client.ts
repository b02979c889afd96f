import { type ChildProcess, fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeHelperExit, type Exited, parseReply, type SpawnerReply, type SpawnRequest } from './protocol.js';

/**
 * The helper program: beside this module in the build. Nothing stands beside the TypeScript
 * source, on purpose: run from source (the tests), the caller names a helper built from that same
 * source (test/support/build-spawner.ts), and never falls back to a dist/ that may be stale.
 */
const DEFAULT_ENTRY = fileURLToPath(new URL('./spawner-main.js', import.meta.url));
/** Node flags of the helper: it holds little, so a small young generation keeps it small. */
const HELPER_EXEC_ARGV = ['--max-semi-space-size=1'];
/** An idle helper is stopped after this long, so an idle Attune does not keep its ~45 MB. */
const HELPER_IDLE_MS = 30_000;

export interface SpawnerOptions {
  /** How long the helper may idle before it is stopped (default 30 s). */
  readonly idleMs?: number;
  /** The helper program to fork (default: spawner-main.js of this build). */
  readonly entry?: string;
  /** Whether a lone run may be started in the worker's own process (default true; see claimLocalStart). */
  readonly isLocalStartAllowed?: boolean;
}

export interface SpawnedProcess {
  /** The pid (and process group id), or undefined if the program could not be started. */
  readonly pid: Promise<number | undefined>;
  /** The exit; rejects with the reason when the helper failed before the action's exit was known. */
  readonly exit: Promise<Exited>;
}

/** One forked helper. Requests wait in `queued` until it has said `ready`. */
interface Helper {
  readonly child: ChildProcess;
  isReady: boolean;
  readonly queued: SpawnRequest[];
}

interface Pending {
  readonly helper: Helper;
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
 * Starts action processes through the spawner helper (see spawner-main.ts and protocol.ts), which
 * is forked on first use and again after it dies, and is sent work once it has said `ready`. If it
 * dies, or says something that breaks the protocol, the runs it holds fail with the reason in
 * words rather than hang, and the next run gets a new helper.
 */
export class Spawner {
  #helper: Helper | undefined;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  #idleTimer: NodeJS.Timeout | undefined;
  /** Runs started in the worker's own process (claimLocalStart) that have not exited yet. */
  #localRuns = 0;
  readonly #idleMs: number;
  readonly #entry: string;
  readonly #isLocalStartAllowed: boolean;

  constructor(options: SpawnerOptions = {}) {
    this.#idleMs = options.idleMs ?? HELPER_IDLE_MS;
    this.#entry = options.entry ?? DEFAULT_ENTRY;
    this.#isLocalStartAllowed = options.isLocalStartAllowed ?? true;
  }

  spawn(request: Omit<SpawnRequest, 'type' | 'id'>): SpawnedProcess {
    const id = this.#nextId++;
    clearTimeout(this.#idleTimer);
    const pid = deferred<number | undefined>();
    const exit = deferred<Exited>();
    // Marked handled here: a caller awaits the pid first, and attaches its handler to the exit after.
    exit.promise.catch(() => undefined);
    const helper = this.#ensureHelper();
    if ('error' in helper) {
      pid.resolve(undefined);
      exit.reject(new Error(helper.error));
      return { pid: pid.promise, exit: exit.promise };
    }
    this.#pending.set(id, { helper, resolvePid: pid.resolve, resolveExit: exit.resolve, rejectExit: exit.reject });
    const message: SpawnRequest = { type: 'spawn', id, ...request };
    if (helper.isReady) helper.child.send(message);
    else helper.queued.push(message);
    return { pid: pid.promise, exit: exit.promise };
  }

  /**
   * Claims a start in the worker's own process, for a lone run: when no helper runs and no other
   * action is in flight, one fork of the worker costs less than a helper of ~44 MB kept for it (a
   * rule on a 1 s timer would keep a helper alive for ever, and the idle tree over 100 MB). As soon
   * as a second action runs beside it, the helper starts and takes the spawns off the worker's event
   * loop. `isWarm`: the worker has a process started ahead for it (WarmLauncher), so the run waits
   * for no fork at all, which beats even an idle helper's round trip: a lone run is then started
   * here while the helper still runs. Returns the release to call once that run's process has
   * exited, or undefined: use spawn().
   */
  claimLocalStart(isWarm = false): (() => void) | undefined {
    if (!this.#isLocalStartAllowed || this.#pending.size > 0 || this.#localRuns > 0) return undefined;
    if (this.#helper !== undefined && !isWarm) return undefined;
    this.#localRuns++;
    let isReleased = false;
    return () => {
      if (isReleased) return;
      isReleased = true;
      this.#localRuns--;
    };
  }

  /** The helper's pid while it runs. */
  get helperPid(): number | undefined {
    return this.#helper?.child.pid;
  }

  /** Stops the helper; any action it still runs is killed by it as it goes. */
  close(): void {
    clearTimeout(this.#idleTimer);
    if (this.#helper?.child.connected) this.#helper.child.disconnect();
    this.#helper = undefined;
  }

  #ensureHelper(): Helper | { error: string } {
    if (this.#helper?.child.connected) return this.#helper;
    if (!existsSync(this.#entry)) return { error: `the spawner helper ${this.#entry} does not exist: build Attune (npm run build)` };
    const child = fork(this.#entry, [], { execArgv: HELPER_EXEC_ARGV, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const helper: Helper = { child, isReady: false, queued: [] };
    child.on('message', (message: unknown) => this.#onMessage(helper, message));
    child.once('exit', (code, signal) => this.#onHelperExit(helper, code, signal));
    // The helper could not be started, or its channel failed: the runs it held fail, the worker lives on.
    child.on('error', (error) => this.#fail(helper, `the spawner process failed (${error.message})`));
    // The helper must not keep the worker's process alive on its own.
    child.unref();
    child.channel?.unref();
    this.#helper = helper;
    return helper;
  }

  #onMessage(helper: Helper, message: unknown): void {
    const parsed = parseReply(message);
    if (!parsed.ok) return this.#fail(helper, `the spawner process sent ${parsed.error}`);
    const reply = parsed.value;
    if (reply.type === 'ready') {
      if (helper.isReady) return this.#fail(helper, 'the spawner process said ready twice');
      helper.isReady = true;
      for (const request of helper.queued.splice(0)) helper.child.send(request);
      return;
    }
    if (!helper.isReady) return this.#fail(helper, `the spawner process sent ${reply.type} before it was ready`);
    this.#onReply(reply);
  }

  #onReply(reply: Exclude<SpawnerReply, { type: 'ready' }>): void {
    const pending = this.#pending.get(reply.id);
    if (!pending) return; // its run already failed with an earlier helper failure
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

  #onHelperExit(helper: Helper, code: number | null, signal: NodeJS.Signals | null): void {
    const how = describeHelperExit(code, signal);
    this.#fail(helper, helper.isReady ? `the spawner process exited (${how}) while the action ran` : `the spawner process exited before it was ready (${how})`);
  }

  /**
   * Fails every run the helper holds with `reason`, and lets the helper go: disconnected, it ends
   * the actions it started and exits. Later news from it finds nothing to settle.
   */
  #fail(helper: Helper, reason: string): void {
    if (this.#helper === helper) this.#helper = undefined;
    helper.queued.length = 0;
    const error = new Error(reason);
    for (const [id, pending] of this.#pending) {
      if (pending.helper !== helper) continue; // sent to a newer helper
      this.#pending.delete(id);
      pending.resolvePid(undefined);
      pending.rejectExit(error);
    }
    if (helper.child.connected) helper.child.disconnect();
  }
}
