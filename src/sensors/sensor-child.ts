import type { ProcessCell } from '../domain/index.js';
import { type ChildExit, createCell, releaseCell, STOP_SIGNALS, SupervisedChild } from '../process/index.js';
import { LineSplitter } from './line-splitter.js';
import type { SensorRun, SensorRunOptions } from './sensor-types.js';

export type SensorChildOptions = SensorRunOptions;

/** One run of a sensor process (a SupervisedChild), its output split into lines. */
export class SensorChild implements SensorRun {
  /** Settles once the process has exited (or failed to start). */
  readonly exited: Promise<ChildExit>;
  /** Settles once stdout and stderr have been read to the end (or the drain deadline passed) and the cell is removed. */
  readonly closed: Promise<void>;
  readonly startedAt = performance.now();
  readonly #child: SupervisedChild | undefined;
  #cell: ProcessCell | undefined;
  #isStopRequested = false;

  constructor(options: SensorChildOptions) {
    const started = this.#spawn(options);
    this.#child = started instanceof SupervisedChild ? started : undefined;
    // A spawn that threw is reported as an exit on a later microtask, like an async spawn error,
    // so the owner never hears of an exit mid-constructor.
    const exited = started instanceof SupervisedChild ? started.exited : Promise.resolve<ChildExit>({ code: null, signal: null, spawnError: started });
    this.exited = exited.then((exit) => {
      options.onExit(exit);
      return exit;
    });
    this.closed = Promise.all([this.#child?.closed, this.exited])
      .then(() => releaseCell(this.#cell))
      .then(() => undefined);
  }

  get isStarted(): boolean {
    return this.pid !== null;
  }

  get pid(): number | null {
    return this.#child === undefined || this.#child.hasExited ? null : (this.#child.pid ?? null);
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
    this.#child?.write(`${line}\n`);
  }

  /** Stops reading stdout while the consumer is behind; ignored once the process has exited. */
  pauseOutput(): void {
    this.#child?.pauseOutput();
  }

  resumeOutput(): void {
    this.#child?.resumeOutput();
  }

  /** Closes stdin, sends SIGTERM to the group, then SIGKILL after `graceMs`; resolves on exit. */
  async stop(graceMs: number): Promise<ChildExit> {
    this.#isStopRequested = true;
    this.#child?.endInput();
    await this.#child?.stop(STOP_SIGNALS, graceMs);
    return this.exited;
  }

  /** The running child, or why it could not be started. */
  #spawn(options: SensorChildOptions): SupervisedChild | Error {
    const { launch, env, containment, maxLineBytes, onStdoutLine, onStdoutOverflow, onStderrLine } = options;
    try {
      this.#cell = containment && createCell(containment);
      return new SupervisedChild({
        launch: { command: launch.command, args: launch.args, cwd: launch.cwd, env },
        cell: this.#cell,
        stdout: new LineSplitter(maxLineBytes, { onLine: onStdoutLine, onOverflow: onStdoutOverflow }),
        stderr: new LineSplitter(maxLineBytes, {
          onLine: onStderrLine,
          onOverflow: (bytes, head) => onStderrLine(`${head}… [attune: line of ${bytes} bytes truncated]`),
        }),
        // A sensor that never reads stdin is allowed; its exit, if any, is reported as an exit.
        onStdinError: (error) => options.onNotice(`could not write to stdin: ${error.message}`),
      });
    } catch (err) {
      // spawn() throws synchronously on invalid input (e.g. a NUL byte in an env value); a cell may not be made.
      return err instanceof Error ? err : new Error(String(err));
    }
  }
}
