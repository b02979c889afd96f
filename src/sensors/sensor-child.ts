import { spawn, type ChildProcess } from 'node:child_process';
import type { ProcessCell } from '../domain/index.js';
import { type Containment, createCell, isErrno, killCell, launchInCell, releaseCell, signalGroup } from '../process/index.js';
import { LineSplitter } from './line-splitter.js';
import type { SensorLaunch } from './sensor-types.js';

/** How one sensor process ended; `spawnError` is set when it never started. */
export interface SensorChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: Error;
}

export interface SensorChildOptions {
  readonly launch: SensorLaunch;
  /** The complete environment; nothing from the parent's environment is added. */
  readonly env: Readonly<Record<string, string>>;
  readonly maxLineBytes: number;
  /** Where the sensor and everything it starts is kept, to be ended with it (default: the process group alone). */
  readonly containment?: Containment;
  readonly onStdoutLine: (line: string) => void;
  readonly onStdoutOverflow: (bytes: number, head: string) => void;
  readonly onStderrLine: (line: string) => void;
  /** Problems the supervisor should log (e.g. a failed stdin write). */
  readonly onNotice: (message: string) => void;
  /** Called once with the exit, right after the group and the cell have been swept. */
  readonly onExit: (exit: SensorChildExit) => void;
}

/**
 * After the process exits, how long to keep reading output still in the pipes. A descendant that
 * left the group (setsid) could hold them open forever, so reading stops at this deadline.
 */
const DRAIN_MS = 500;

/** One run of a sensor process in its own process group, its output split into lines. */
export class SensorChild {
  /** Settles once the process has exited (or failed to start). */
  readonly exited: Promise<SensorChildExit>;
  /** Settles once stdout and stderr have been read to the end (or the drain deadline passed) and the cell is removed. */
  readonly closed: Promise<void>;
  readonly startedAt = performance.now();
  readonly #options: SensorChildOptions;
  readonly #child: ChildProcess | null;
  #cell: ProcessCell | undefined;
  #resolveExit: (exit: SensorChildExit) => void = () => undefined;
  #resolveClosed: () => void = () => undefined;
  #hasExited = false;
  #isStopRequested = false;

  constructor(options: SensorChildOptions) {
    this.#options = options;
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
    const drained = new Promise<void>((resolve) => (this.#resolveClosed = resolve));
    this.closed = Promise.all([drained, this.exited]).then(() => releaseCell(this.#cell)).then(() => undefined);
    this.#child = this.#spawn();
  }

  get pid(): number | null {
    return this.#hasExited ? null : (this.#child?.pid ?? null);
  }

  /** The cell the process runs in, if there is containment. */
  get cell(): ProcessCell | undefined {
    return this.#cell;
  }

  /** True once stop() was called: the exit that follows is expected, not a failure. */
  get isStopRequested(): boolean {
    return this.#isStopRequested;
  }

  /** Writes one line to stdin. A sensor that does not read stdin (EPIPE) is not an error. */
  writeLine(line: string): void {
    const stdin = this.#child?.stdin;
    if (this.#hasExited || stdin === null || stdin === undefined || stdin.writableEnded || stdin.destroyed) return;
    stdin.write(`${line}\n`);
  }

  /** Stops reading stdout while the consumer is behind; ignored once the process has exited. */
  pauseOutput(): void {
    if (!this.#hasExited) this.#child?.stdout?.pause();
  }

  resumeOutput(): void {
    this.#child?.stdout?.resume();
  }

  /** Closes stdin, sends SIGTERM to the group, then SIGKILL after `graceMs`; resolves on exit. */
  async stop(graceMs: number): Promise<SensorChildExit> {
    this.#isStopRequested = true;
    const pid = this.#child?.pid;
    if (this.#hasExited || pid === undefined) return this.exited;
    this.#child?.stdin?.end();
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  #spawn(): ChildProcess | null {
    const { launch, env, containment } = this.#options;
    let child: ChildProcess;
    try {
      this.#cell = containment && createCell(containment, `sensor-${launch.ref}`);
      const contained = launchInCell(this.#cell, { ...launch, env });
      child = spawn(contained.command, [...contained.args], { cwd: contained.cwd, env: { ...contained.env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    } catch (err) {
      // spawn() throws synchronously on invalid input (e.g. a NUL byte in an env value). Report it
      // on a microtask, like an async spawn error, so the owner never hears of an exit mid-constructor.
      const spawnError = err instanceof Error ? err : new Error(String(err));
      queueMicrotask(() => {
        this.#settleExit({ code: null, signal: null, spawnError });
        this.#resolveClosed();
      });
      return null;
    }
    child.on('error', (err) => {
      // Spawn failures (ENOENT, EACCES) leave no pid and no 'exit' event. Errors after a
      // successful spawn (a failed kill) are followed by 'exit' or are harmless, so they are ignored.
      if (child.pid !== undefined) return;
      this.#settleExit({ code: null, signal: null, spawnError: err });
      this.#resolveClosed();
    });
    if (child.pid === undefined) return child;
    this.#wireStreams(child);
    child.once('exit', (code, signal) => this.#settleExit({ code, signal }));
    return child;
  }

  #wireStreams(child: ChildProcess): void {
    const { maxLineBytes, onStdoutLine, onStdoutOverflow, onStderrLine } = this.#options;
    const stdout = new LineSplitter(maxLineBytes, { onLine: onStdoutLine, onOverflow: onStdoutOverflow });
    const stderr = new LineSplitter(maxLineBytes, {
      onLine: onStderrLine,
      onOverflow: (bytes, head) => onStderrLine(`${head}… [attune: line of ${bytes} bytes truncated]`),
    });
    let open = 2;
    const onClose = (): void => {
      open -= 1;
      if (open === 0) this.#resolveClosed();
    };
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdout?.once('end', () => stdout.end());
    child.stderr?.once('end', () => stderr.end());
    child.stdout?.once('close', onClose);
    child.stderr?.once('close', onClose);
    child.stdin?.on('error', (err) => {
      // EPIPE/ECONNRESET: the sensor closed stdin or exited; a sensor that never reads stdin is
      // allowed, and its exit (if any) is reported through 'exit', so nothing is lost here.
      if (isErrno(err, 'EPIPE') || isErrno(err, 'ECONNRESET')) return;
      this.#options.onNotice(`could not write to stdin: ${err.message}`);
    });
  }

  #settleExit(exit: SensorChildExit): void {
    if (this.#hasExited) return;
    this.#hasExited = true;
    const child = this.#child;
    if (child?.pid !== undefined) {
      // Sweep the group and the cell so no descendant outlives its sensor or keeps emitting on its pipes.
      signalGroup(child.pid, 'SIGKILL');
      killCell(this.#cell);
      // The writers are gone, so what is left in the pipes is bounded: read it all.
      child.stdout?.resume();
      child.stdin?.destroy();
      setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        this.#resolveClosed();
      }, DRAIN_MS).unref();
    }
    this.#resolveExit(exit);
    this.#options.onExit(exit);
  }
}

/** A one-line description of how a sensor process ended, for its log and alerts. */
export function describeSensorExit(exit: SensorChildExit, command: string): string {
  if (exit.spawnError !== undefined) {
    const code = (exit.spawnError as NodeJS.ErrnoException).code ?? 'error';
    return `could not start ${command}: ${code} (${exit.spawnError.message})`;
  }
  if (exit.signal !== null) return `exited on signal ${exit.signal}`;
  return `exited with code ${String(exit.code)}`;
}
