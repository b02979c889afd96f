import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ExecutionResult, ProcessCell } from '../domain/entities.js';
import {
  buildChildEnv,
  type Containment,
  createCell,
  isErrno,
  killCell,
  launchInCell,
  type LaunchCommand,
  type ProcessRunnerType,
  releaseCell,
  resolveEntryPath,
  resolveLaunch,
  signalGroup,
} from '../process/index.js';
import { OutputCapture } from './output-capture.js';
import { parseOutput } from './output-parsing.js';
import { prepareParameterDelivery } from './runners/parameter-delivery.js';
import type { Spawner } from './spawner/spawner-client.js';
import { describeStop, timeoutDelayMs, type RunningAction, type RunOutcome, type RunRequest, type StopReason } from './run-request.js';

export interface ProcessRunnerOptions {
  /** Cap for stdout and for stderr, each. */
  readonly maxOutputBytes: number;
  /** Delay between escalating signals (SIGTERM → SIGKILL on timeout; SIGINT → SIGTERM → SIGKILL on cancel). */
  readonly killGraceMs: number;
  /** The worker's environment; only PATH, HOME, LANG and TMPDIR are passed on. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** How long to wait for stdout/stderr to close after the child exits (default 200 ms). */
  readonly drainMs?: number;
  /** Starts processes from the spawner helper instead of this process (see spawner-main.ts). */
  readonly spawner?: Spawner;
  /** Where parameter files are written (`parameter_delivery: file`); see prepareParameterDelivery. */
  readonly parametersDir?: string;
  /** Where each action and everything it starts is kept, to be ended with it (default: the process group alone). */
  readonly containment?: Containment;
}

interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: NodeJS.ErrnoException;
}

interface Prepared {
  readonly launch: LaunchCommand;
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly stdin: string;
  /** Holds the action and all it starts; killed when the action's process exits, removed after the run. */
  readonly cell: ProcessCell | undefined;
  readonly cleanup: () => Promise<void>;
}

const DEFAULT_DRAIN_MS = 200;
const TIMEOUT_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGKILL'];
const CANCEL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGKILL'];

/** Starts one action as a child process in its own process group. */
export function startProcessAction(req: RunRequest, runnerType: ProcessRunnerType, opts: ProcessRunnerOptions): RunningAction {
  const run = new ProcessRun(req, runnerType, opts);
  return { done: run.done, cancel: () => run.requestStop('cancelled') };
}

class ProcessRun {
  readonly done: Promise<RunOutcome>;
  readonly #req: RunRequest;
  readonly #runnerType: ProcessRunnerType;
  readonly #opts: ProcessRunnerOptions;
  readonly #stdout: OutputCapture;
  readonly #stderr: OutputCapture;
  readonly #timers = new Set<NodeJS.Timeout>();
  /** The action's pid, which is also its process group. */
  #pid: number | undefined;
  #cell: ProcessCell | undefined;
  /** Output captured by the spawner helper, which replaces the local captures. */
  #captured: { readonly stdout: string; readonly stderr: string } | undefined;
  #stopReason: StopReason | undefined;
  #hasExited = false;
  #startedAt = 0;

  constructor(req: RunRequest, runnerType: ProcessRunnerType, opts: ProcessRunnerOptions) {
    this.#req = req;
    this.#runnerType = runnerType;
    this.#opts = opts;
    this.#stdout = new OutputCapture(opts.maxOutputBytes);
    this.#stderr = new OutputCapture(opts.maxOutputBytes);
    this.#startedAt = performance.now();
    this.done = this.#run();
  }

  /** The first stop request wins; later ones (and any after exit) are ignored. */
  requestStop(reason: StopReason): void {
    if (this.#stopReason !== undefined || this.#hasExited) return;
    this.#stopReason = reason;
    // Before spawn there is nothing to signal: #run checks #stopReason before and after spawning.
    if (this.#pid === undefined) return;
    this.#escalate(this.#pid, reason === 'timeout' ? TIMEOUT_SIGNALS : CANCEL_SIGNALS);
  }

  #escalate(pgid: number, signals: readonly NodeJS.Signals[]): void {
    signals.forEach((signal, step) => {
      if (step === 0) {
        signalGroup(pgid, signal);
        return;
      }
      this.#schedule(() => {
        if (!this.#hasExited) signalGroup(pgid, signal);
      }, step * this.#opts.killGraceMs);
    });
  }

  #schedule(fn: () => void, ms: number): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      fn();
    }, ms);
    this.#timers.add(timer);
  }

  async #run(): Promise<RunOutcome> {
    let prepared: Prepared | { error: string };
    try {
      prepared = await this.#prepare();
    } catch (err) {
      prepared = { error: `could not prepare the action: ${err instanceof Error ? err.message : String(err)}` };
    }
    if ('error' in prepared) return this.#finish({ error: prepared.error });
    try {
      if (this.#stopReason !== undefined) return this.#finish({ error: describeStop(this.#stopReason, this.#req.timeoutSeconds) });
      const exit = this.#opts.spawner ? await this.#spawnViaHelper(this.#opts.spawner, prepared) : await this.#spawnAndWait(prepared);
      return this.#outcome(exit, prepared.launch);
    } catch (err) {
      // spawn() throws synchronously on invalid input (e.g. a NUL byte in an env value).
      return this.#finish({ error: `could not start the action: ${err instanceof Error ? err.message : String(err)}` }, 'failed');
    } finally {
      for (const timer of this.#timers) clearTimeout(timer);
      this.#timers.clear();
      await prepared.cleanup();
    }
  }

  async #prepare(): Promise<Prepared | { error: string }> {
    const { action, packPath } = this.#req;
    const entry = await resolveEntryPath(packPath, action.entryPoint);
    if ('error' in entry) return entry;
    const resolution = await resolveLaunch(this.#runnerType, entry.path, process.execPath, this.#opts.baseEnv.PATH);
    if (!resolution.ok) return { error: resolution.error };
    const delivery = await prepareParameterDelivery(action, this.#req.parameters, this.#opts.parametersDir);
    let cell: ProcessCell | undefined;
    try {
      cell = this.#opts.containment && createCell(this.#opts.containment, `action-${this.#req.executionId}`);
    } catch (error) {
      await delivery.cleanup();
      throw error;
    }
    this.#cell = cell;
    return {
      launch: resolution.launch,
      cwd: join(packPath, 'actions'),
      env: buildChildEnv(this.#opts.baseEnv, this.#req.env, delivery.env),
      stdin: delivery.stdin,
      cell,
      cleanup: async () => {
        await releaseCell(cell);
        await delivery.cleanup();
      },
    };
  }

  #spawnAndWait(prepared: Prepared): Promise<ChildExit> {
    return new Promise<ChildExit>((resolve) => {
      const launch = launchInCell(prepared.cell, { ...prepared.launch, cwd: prepared.cwd, env: prepared.env });
      const child = spawn(launch.command, [...launch.args], {
        cwd: launch.cwd,
        env: launch.env,
        detached: true,
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      this.#pid = child.pid;
      if (child.pid !== undefined) this.#req.onSpawn?.(child.pid, prepared.cell);
      let exit: ChildExit | undefined;
      let openStreams = 2;
      const settle = (): void => {
        if (exit === undefined || openStreams > 0) return;
        openStreams = -1; // settle once
        resolve(exit);
      };
      child.on('error', (err: NodeJS.ErrnoException) => {
        // Spawn failures (ENOENT, EACCES) leave no pid; other child errors come with 'exit' too.
        if (child.pid !== undefined) return;
        this.#hasExited = true;
        resolve({ code: null, signal: null, spawnError: err });
      });
      if (child.pid === undefined) return;
      this.#pipeOutput(child, () => {
        openStreams -= 1;
        settle();
      });
      this.#writeStdin(child, prepared.stdin);
      this.#armTimeout();
      child.once('exit', (code, signal) => {
        exit = { code, signal };
        this.#afterExit(child, () => {
          openStreams = 0;
          settle();
        });
        settle();
      });
    });
  }

  /** The same run, with the process started, fed and captured by the spawner helper. */
  async #spawnViaHelper(spawner: Spawner, prepared: Prepared): Promise<ChildExit> {
    const spawned = spawner.spawn({
      command: prepared.launch.command,
      args: prepared.launch.args,
      cwd: prepared.cwd,
      env: prepared.env,
      stdin: prepared.stdin,
      ...(prepared.cell ? { cell: prepared.cell } : {}),
      maxOutputBytes: this.#opts.maxOutputBytes,
      drainMs: this.#opts.drainMs ?? DEFAULT_DRAIN_MS,
    });
    const pid = await spawned.pid;
    if (pid !== undefined) {
      this.#pid = pid;
      this.#req.onSpawn?.(pid, prepared.cell);
      this.#armTimeout();
      // A cancel that came while the helper was starting it takes effect now.
      if (this.#stopReason !== undefined) this.#escalate(pid, this.#stopReason === 'timeout' ? TIMEOUT_SIGNALS : CANCEL_SIGNALS);
    }
    const exited = await spawned.exit.catch((error: unknown) => {
      // The helper died with the action running: end the action's group and cell here, then fail the run.
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      killCell(prepared.cell);
      throw error;
    });
    this.#hasExited = true;
    this.#captured = { stdout: exited.stdout, stderr: exited.stderr };
    const spawnError = exited.spawnError && Object.assign(new Error(exited.spawnError.message), { code: exited.spawnError.code });
    return { code: exited.code, signal: exited.signal, ...(spawnError ? { spawnError } : {}) };
  }

  #pipeOutput(child: ChildProcess, onClose: () => void): void {
    child.stdout?.on('data', (chunk: Buffer) => this.#stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#stderr.push(chunk));
    child.stdout?.once('close', onClose);
    child.stderr?.once('close', onClose);
  }

  #writeStdin(child: ChildProcess, text: string): void {
    child.stdin?.on('error', (err) => {
      // EPIPE/ECONNRESET: the child exited or closed stdin without reading its parameters.
      // That is the action's choice; its exit status decides the outcome, not this write.
      if (isErrno(err, 'EPIPE') || isErrno(err, 'ECONNRESET')) return;
      this.#stderr.push(Buffer.from(`[attune: could not write parameters: ${err.message}]\n`));
    });
    child.stdin?.end(text);
  }

  #armTimeout(): void {
    const delay = timeoutDelayMs(this.#req.timeoutSeconds);
    if (delay !== undefined) this.#schedule(() => this.requestStop('timeout'), delay);
  }

  /** Sweeps the group and the cell so no descendant outlives the run or holds the pipes open. */
  #afterExit(child: ChildProcess, onDrainDeadline: () => void): void {
    this.#hasExited = true;
    if (child.pid !== undefined) signalGroup(child.pid, 'SIGKILL');
    killCell(this.#cell);
    // Without a cell, a descendant that left the group (setsid) may still hold the pipes: stop waiting.
    this.#schedule(() => {
      child.stdout?.destroy();
      child.stderr?.destroy();
      onDrainDeadline();
    }, this.#opts.drainMs ?? DEFAULT_DRAIN_MS);
  }

  #stdoutText(): string {
    return this.#captured?.stdout ?? this.#stdout.text();
  }

  #finish(extra: Partial<ExecutionResult>, status?: RunOutcome['status']): RunOutcome {
    const result: ExecutionResult = {
      exit_code: null,
      signal: null,
      stdout: this.#stdoutText(),
      stderr: this.#captured?.stderr ?? this.#stderr.text(),
      duration_ms: Math.round(performance.now() - this.#startedAt),
      ...extra,
    };
    return { status: status ?? this.#stopReason ?? 'failed', result };
  }

  #outcome(exit: ChildExit, launch: LaunchCommand): RunOutcome {
    if (exit.spawnError !== undefined) {
      const code = exit.spawnError.code ?? 'error';
      return this.#finish({ error: `could not start ${launch.command}: ${code} (${exit.spawnError.message})` }, 'failed');
    }
    const base = { exit_code: exit.code, signal: exit.signal };
    if (this.#stopReason !== undefined) {
      return this.#finish({ ...base, error: describeStop(this.#stopReason, this.#req.timeoutSeconds) });
    }
    // Output that fails to parse does not fail the run: the exit code is the action's verdict
    // (DESIGN §6), and result.error records the parse problem next to the raw stdout.
    const parsed = parseOutput(this.#req.action.outputFormat, this.#stdoutText());
    return this.#finish({ ...base, ...parsed }, exit.code === 0 ? 'completed' : 'failed');
  }
}
