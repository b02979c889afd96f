import { type ChildProcess, spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import type { ProcessCell } from '../domain/index.js';
import { killCell, type Launch, launchInCell, spawnInCell } from './cell.js';
import { escalateSignals, type SignalTarget } from './escalate-signals.js';
import { isErrno, signalGroup } from './process-group.js';

/**
 * After a child exits, how long its stdout and stderr are still read. By then its group and cell
 * have been killed, so what is left in the pipes was written before: a pipe buffer's worth at
 * most, read in well under a millisecond. Only a descendant that escaped both (setsid with no
 * cell, or a cleared environment under `environ`) can keep a pipe open, and it may keep it open
 * forever: reading stops at this deadline. One bound for actions, the spawner helper and sensors,
 * since the hazard is the same; generous, because it is only ever waited out for such an escapee.
 */
export const OUTPUT_DRAIN_MS = 500;

/** How a child process ended; `spawnError` is set when it never started (no pid, nothing ran). */
export interface ChildExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly spawnError?: NodeJS.ErrnoException;
}

/** Where the bytes of one output stream go; `end` is told when the stream ended (not when cut at the drain deadline). */
export interface OutputSink {
  push(chunk: Buffer): void;
  end?(): void;
}

export interface SupervisedChildOptions {
  /** The program, its arguments, where, and its complete environment (nothing is inherited). */
  readonly launch: Launch;
  /** The cell made for it (createCell): it is born in it, and the cell is swept when it exits. Removing the cell is the caller's. */
  readonly cell?: ProcessCell | undefined;
  /**
   * Start it by moving this process into the cell around spawn() (spawnInCell) instead of
   * through the cell's wrapper: cheaper, but only for a process that does nothing else meanwhile
   * (the spawner helper).
   */
  readonly isSpawnedFromCell?: boolean;
  /**
   * A process already started for this launch (a spare taken from a WarmLauncher), supervised as
   * if it were spawned here; `cell` must then be the cell it is in.
   */
  readonly adopt?: ChildProcess | undefined;
  readonly stdout: OutputSink;
  readonly stderr: OutputSink;
  /** A write to stdin failed other than by the child not reading it (EPIPE, ECONNRESET: its right). */
  readonly onStdinError?: (error: Error) => void;
}

/**
 * One child process under supervision, for an action or a sensor: spawned `detached` (it leads its
 * own process group, whose id is its pid) with piped stdio. When it exits, its group and its cell
 * are swept with SIGKILL, so no descendant outlives it or keeps writing to its pipes, and its
 * output is read to the end or until OUTPUT_DRAIN_MS have passed.
 *
 * The constructor throws where spawn() throws (invalid input, such as a NUL byte in the
 * environment); a program that cannot be started (ENOENT, EACCES) is an exit with `spawnError`.
 */
export class SupervisedChild implements SignalTarget {
  /** The pid, which is also the process group id; undefined when it could not be started. */
  readonly pid: number | undefined;
  /** Settles once it has exited (and its group and cell were swept), or failed to start. */
  readonly exited: Promise<ChildExit>;
  /** Settles after `exited`, once stdout and stderr were read to the end or the drain deadline passed. */
  readonly closed: Promise<ChildExit>;
  readonly #child: ChildProcess;
  readonly #cell: ProcessCell | undefined;
  #resolveExit: (exit: ChildExit) => void = () => undefined;
  #resolveDrained: () => void = () => undefined;
  #hasExited = false;

  constructor(options: SupervisedChildOptions) {
    this.#cell = options.cell;
    this.exited = new Promise((resolve) => (this.#resolveExit = resolve));
    const drained = new Promise<void>((resolve) => (this.#resolveDrained = resolve));
    this.closed = Promise.all([this.exited, drained]).then(([exit]) => exit);
    this.#child = startChild(options);
    this.pid = this.#child.pid;
    this.#child.on('error', (error: NodeJS.ErrnoException) => {
      // Spawn failures (ENOENT, EACCES) leave no pid and no 'exit' event. Errors after a
      // successful spawn (a failed kill) come with an 'exit' or are harmless.
      if (this.pid !== undefined) return;
      this.#onExit({ code: null, signal: null, spawnError: error });
      this.#resolveDrained();
    });
    if (this.pid === undefined) return;
    this.#readOutput(options);
    this.#child.stdin?.on('error', (error) => {
      if (!isErrno(error, 'EPIPE') && !isErrno(error, 'ECONNRESET')) options.onStdinError?.(error);
    });
    this.#child.once('exit', (code, signal) => this.#onExit({ code, signal }));
  }

  get hasExited(): boolean {
    return this.#hasExited;
  }

  /** Signals its whole process group, until it has exited. */
  signal(signal: NodeJS.Signals): void {
    if (!this.#hasExited && this.pid !== undefined) signalGroup(this.pid, signal);
  }

  /** Signals with escalation (see escalateSignals); resolves with the exit. */
  async stop(signals: readonly NodeJS.Signals[], stepMs: number): Promise<ChildExit> {
    await escalateSignals(this, signals, stepMs);
    return this.exited;
  }

  /** Writes to stdin; ignored once stdin was ended or the process has exited. */
  write(text: string): void {
    const stdin = this.#child.stdin;
    if (this.#hasExited || stdin === null || stdin.writableEnded || stdin.destroyed) return;
    stdin.write(text);
  }

  /** Writes `text` (if any) and closes stdin. */
  endInput(text?: string): void {
    const stdin = this.#child.stdin;
    if (this.#hasExited || stdin === null || stdin.writableEnded || stdin.destroyed) return;
    stdin.end(text);
  }

  /** Stops reading stdout while its consumer is behind; ignored once the process has exited. */
  pauseOutput(): void {
    if (!this.#hasExited) this.#child.stdout?.pause();
  }

  resumeOutput(): void {
    this.#child.stdout?.resume();
  }

  #readOutput(options: SupervisedChildOptions): void {
    const streams: [Readable | null, OutputSink][] = [
      [this.#child.stdout, options.stdout],
      [this.#child.stderr, options.stderr],
    ];
    let open = streams.length;
    for (const [stream, sink] of streams) {
      stream?.on('data', (chunk: Buffer) => sink.push(chunk));
      stream?.once('end', () => sink.end?.());
      stream?.once('close', () => {
        open -= 1;
        if (open === 0) this.#resolveDrained();
      });
    }
  }

  #onExit(exit: ChildExit): void {
    if (this.#hasExited) return;
    this.#hasExited = true;
    const child = this.#child;
    if (this.pid !== undefined) {
      signalGroup(this.pid, 'SIGKILL');
      killCell(this.#cell);
      // The writers are gone, so what is left in the pipes is bounded: read it all, even if paused.
      child.stdout?.resume();
      child.stdin?.destroy();
      const deadline = setTimeout(() => {
        child.stdout?.destroy();
        child.stderr?.destroy();
        this.#resolveDrained();
      }, OUTPUT_DRAIN_MS);
      deadline.unref();
      void this.closed.then(() => clearTimeout(deadline));
    }
    this.#resolveExit(exit);
  }
}

function startChild(options: SupervisedChildOptions): ChildProcess {
  const start = (launch: Launch): ChildProcess =>
    spawn(launch.command, [...launch.args], { cwd: launch.cwd, env: { ...launch.env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
  if (options.adopt !== undefined) return options.adopt;
  return options.isSpawnedFromCell ? spawnInCell(options.cell, options.launch, start) : start(launchInCell(options.cell, options.launch));
}

/** A one-line description of how a child ended, for logs, alerts and results. */
export function describeChildExit(exit: ChildExit, command: string): string {
  if (exit.spawnError !== undefined) return `could not start ${command}: ${exit.spawnError.code ?? 'error'} (${exit.spawnError.message})`;
  if (exit.signal !== null) return `exited on signal ${exit.signal}`;
  return `exited with code ${String(exit.code)}`;
}
