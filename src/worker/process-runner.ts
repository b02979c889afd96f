import { join } from 'node:path';
import type { ExecutionResult, ProcessCell } from '../domain/index.js';
import {
  buildChildEnv,
  type ChildExit,
  commandLineLaunch,
  type Containment,
  encodeCommandLine,
  createCell,
  describeChildExit,
  escalateSignals,
  killCell,
  type LaunchCommand,
  type ProcessRunnerType,
  releaseCell,
  resolveEntryPath,
  resolveLaunch,
  type SignalTarget,
  signalGroup,
  STOP_SIGNALS,
  SupervisedChild,
  type WarmLauncher,
} from '../process/index.js';
import { OutputCapture } from './output-capture.js';
import { parseOutput } from './output-parsing.js';
import { commandParameters, readCommandLine } from './runners/command-line.js';
import { type ParameterDeliveryPlan, prepareParameterDelivery } from './runners/parameter-delivery.js';
import { monotonicUs } from './spawner/protocol.js';
import type { Spawner } from './spawner/spawner-client.js';
import { describeStop, timeoutDelayMs, type RunningAction, type RunOutcome, type RunRequest, type StopReason } from './run-request.js';

export interface ProcessRunnerOptions {
  /** Cap for stdout and for stderr, each. */
  readonly maxOutputBytes: number;
  /** Delay between escalating signals (SIGTERM → SIGKILL on timeout; SIGINT → SIGTERM → SIGKILL on cancel). */
  readonly killGraceMs: number;
  /** The worker's environment; only PATH, HOME, LANG and TMPDIR are passed on. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** Starts processes from the spawner helper instead of this process (see spawner-main.ts). */
  readonly spawner?: Spawner;
  /** Where parameter files are written (`parameter_delivery: file`); see prepareParameterDelivery. */
  readonly parametersDir?: string;
  /** Where each action and everything it starts is kept, to be ended with it (default: the process group alone). */
  readonly containment?: Containment;
  /** Starts runs spawned in this process from a spare process started ahead of time (see WarmLauncher). */
  readonly launcher?: WarmLauncher;
}

interface Prepared {
  readonly launch: LaunchCommand;
  readonly cwd: string;
  readonly env: Record<string, string>;
  readonly stdin: string;
  readonly cleanup: () => Promise<void>;
}

const TIMEOUT_SIGNALS = STOP_SIGNALS;
/** No parameters document: empty stdin, no file. */
const NO_DELIVERY: ParameterDeliveryPlan = { stdin: '', env: {}, cleanup: () => Promise.resolve() };
/** SIGINT first, as a terminal's Ctrl-C would: an action may stop its own work cleanly. */
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
  #timeoutTimer: NodeJS.Timeout | undefined;
  /** The action's process (its group), once started: here, or in the spawner helper. */
  #target: SignalTarget | undefined;
  /** The cell the action runs in, once it has one: made for it, or the warm spare's. Removed after the run. */
  #cell: ProcessCell | undefined;
  /** Output captured by the spawner helper, which replaces the local captures. */
  #captured: { readonly stdout: string; readonly stderr: string } | undefined;
  #stopReason: StopReason | undefined;
  /** When the stop was asked for (monotonicUs), to compare with when the helper saw the exit. */
  #stopRequestedAtUs = 0;
  /** Whether the first signal of the stop found the action's process group gone (helper runs only). */
  #isStopTooLate: boolean | undefined;
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
    if (this.#stopReason !== undefined || this.#target?.hasExited === true) return;
    this.#stopReason = reason;
    this.#stopRequestedAtUs = monotonicUs();
    // Before spawn there is nothing to signal: #run checks #stopReason before and after spawning.
    if (this.#target !== undefined) this.#escalate(this.#target);
  }

  #escalate(target: SignalTarget): void {
    const signals = this.#stopReason === 'timeout' ? TIMEOUT_SIGNALS : CANCEL_SIGNALS;
    // Settles when the process exits, which the run awaits anyway.
    void escalateSignals(target, signals, this.#opts.killGraceMs);
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
      return this.#outcome(await this.#spawn(prepared), prepared.launch);
    } catch (err) {
      // spawn() throws synchronously on invalid input (e.g. a NUL byte in an env value).
      return this.#finish({ error: `could not start the action: ${err instanceof Error ? err.message : String(err)}` }, 'failed');
    } finally {
      clearTimeout(this.#timeoutTimer);
      await prepared.cleanup();
    }
  }

  async #prepare(): Promise<Prepared | { error: string }> {
    const { action, packPath, parameters } = this.#req;
    const actionsDir = join(packPath, 'actions');
    const runnerType = this.#runnerType;
    if (runnerType === 'shell-cmd') return this.#prepareCommandLine(actionsDir);
    const entry = await resolveEntryPath(packPath, action.entryPoint);
    if ('error' in entry) return entry;
    const resolution = await resolveLaunch(runnerType, entry.path, process.execPath, this.#opts.baseEnv.PATH);
    if (!resolution.ok) return { error: resolution.error };
    const delivery = await prepareParameterDelivery(action, parameters, this.#opts.parametersDir);
    return this.#prepared(resolution.launch, actionsDir, delivery);
  }

  /** A shell-cmd action: /bin/sh reading its command line from stdin, then its other parameters as usual. */
  async #prepareCommandLine(actionsDir: string): Promise<Prepared | { error: string }> {
    const { action, parameters } = this.#req;
    const line = readCommandLine(parameters, actionsDir);
    if ('error' in line) return line;
    const others = commandParameters(action, parameters);
    const delivery = others === undefined ? NO_DELIVERY : await prepareParameterDelivery(action, others, this.#opts.parametersDir);
    return this.#prepared(commandLineLaunch(), line.cwd, { ...delivery, stdin: encodeCommandLine(line.cmd) + delivery.stdin });
  }

  #prepared(launch: LaunchCommand, cwd: string, delivery: ParameterDeliveryPlan): Prepared {
    return {
      launch,
      cwd,
      env: buildChildEnv(this.#opts.baseEnv, this.#req.env, delivery.env),
      stdin: delivery.stdin,
      cleanup: async () => {
        await releaseCell(this.#cell);
        await delivery.cleanup();
      },
    };
  }

  /** A new cell for this run (none without containment); throws when it cannot be made. */
  #createCell(): ProcessCell | undefined {
    return this.#opts.containment && createCell(this.#opts.containment);
  }

  /** Starts the action here or through the spawner helper (see Spawner.claimLocalStart); resolves once it has exited. */
  async #spawn(prepared: Prepared): Promise<ChildExit> {
    const spawner = this.#opts.spawner;
    if (spawner === undefined) return this.#spawnHere(prepared);
    const release = spawner.claimLocalStart(this.#opts.launcher?.sparePid !== undefined);
    if (release === undefined) return this.#spawnViaHelper(spawner, prepared);
    try {
      return await this.#spawnHere(prepared);
    } finally {
      release();
    }
  }

  /** Runs the action as a child of this process; resolves once its output has been read. */
  #spawnHere(prepared: Prepared): Promise<ChildExit> {
    const launch = { ...prepared.launch, cwd: prepared.cwd, env: prepared.env };
    // A spare comes in a cell of its own, taken (and joined) before this run: it becomes the run's.
    const warm = this.#opts.launcher?.take(launch, this.#opts.containment);
    this.#cell = warm ? warm.cell : this.#createCell();
    const child = new SupervisedChild({
      launch,
      cell: this.#cell,
      adopt: warm?.child,
      stdout: this.#stdout,
      stderr: this.#stderr,
      onStdinError: (error) => this.#stderr.push(Buffer.from(`[attune: could not write parameters: ${error.message}]\n`)),
    });
    if (child.pid !== undefined) {
      this.#target = child;
      this.#req.onSpawn?.(child.pid, this.#cell);
      child.endInput(prepared.stdin);
      this.#armTimeout();
    }
    return child.closed;
  }

  /** The same run, with the process started, fed and captured by the spawner helper. */
  async #spawnViaHelper(spawner: Spawner, prepared: Prepared): Promise<ChildExit> {
    const cell = this.#createCell();
    this.#cell = cell;
    const spawned = spawner.spawn({
      command: prepared.launch.command,
      args: prepared.launch.args,
      cwd: prepared.cwd,
      env: prepared.env,
      stdin: prepared.stdin,
      ...(cell ? { cell } : {}),
      maxOutputBytes: this.#opts.maxOutputBytes,
    });
    const pid = await spawned.pid;
    let hasExited = false;
    if (pid !== undefined) {
      // The helper only spawns: this process signals the action's group itself.
      this.#target = {
        signal: (signal) => {
          const isDelivered = signalGroup(pid, signal);
          this.#isStopTooLate ??= !isDelivered;
        },
        get hasExited() {
          return hasExited;
        },
        exited: spawned.exit,
      };
      this.#req.onSpawn?.(pid, cell);
      this.#armTimeout();
      // A cancel that came while the helper was starting it takes effect now.
      if (this.#stopReason !== undefined) this.#escalate(this.#target);
    }
    const exited = await spawned.exit.catch((error: unknown) => {
      // The helper died with the action running: end the action's group and cell here, then fail the run.
      hasExited = true;
      if (pid !== undefined) signalGroup(pid, 'SIGKILL');
      killCell(cell);
      throw error;
    });
    hasExited = true;
    // The stop came after the action had exited (its group was gone, or the helper saw the exit
    // first) and stopped nothing: the run ends as the action ended it, as it does when this process
    // sees the exit first. Before the helper tells, this process cannot know: hence both checks.
    const isSeenBeforeStop = exited.exitedAtUs !== undefined && exited.exitedAtUs < this.#stopRequestedAtUs;
    if (this.#isStopTooLate === true || isSeenBeforeStop) this.#stopReason = undefined;
    this.#captured = { stdout: exited.stdout, stderr: exited.stderr };
    const spawnError = exited.spawnError && Object.assign(new Error(exited.spawnError.message), { code: exited.spawnError.code });
    return { code: exited.code, signal: exited.signal, ...(spawnError ? { spawnError } : {}) };
  }

  #armTimeout(): void {
    const delay = timeoutDelayMs(this.#req.timeoutSeconds);
    if (delay !== undefined) this.#timeoutTimer = setTimeout(() => this.requestStop('timeout'), delay);
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
    if (exit.spawnError !== undefined) return this.#finish({ error: describeChildExit(exit, launch.command) }, 'failed');
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
