import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { ProcessCell } from '../domain/index.js';
import { type Containment, createCell, isExecutable, type Launch, launchInCell, NO_CONTAINMENT, releaseCell } from './cell.js';
import { SHELL } from './cgroup.js';

/**
 * The spare's program. It blocks reading its stdin until a run takes it, then reads the run's
 * header there, one field per line: the directory, the count of environment variables and each
 * `NAME=value`, the count of arguments and each argument (the program first). It moves to the
 * directory and execs the program, which keeps the pid (and so the process group and the cell the
 * spare was born in) and finds its parameters next on stdin: `read` takes a pipe byte by byte,
 * never past the header. EOF before a header means Attune is done with it (or gone): it exits.
 * Exit 125 is a failure of the launcher itself, as cgroupLaunch's wrapper reports it. `cd` exports
 * PWD and OLDPWD in dash: unset, so the program gets exactly the environment of the header (and
 * the cell's marker, under `environ`), as a direct spawn would give it.
 */
const LAUNCHER_SCRIPT = [
  'IFS= read -r dir || exit 0',
  'IFS= read -r n || exit 125',
  'while [ "$n" -gt 0 ]; do IFS= read -r kv || exit 125; export "$kv"; n=$((n - 1)); done',
  'IFS= read -r n || exit 125',
  'set --',
  'while [ "$n" -gt 0 ]; do IFS= read -r a || exit 125; set -- "$@" "$a"; n=$((n - 1)); done',
  'cd -- "$dir" || exit 125',
  'unset PWD OLDPWD',
  'exec "$@"',
].join('\n');

/**
 * Names a header may carry: upper case only, so none is one of the launcher's own variables
 * (all lower case), and none the shell treats specially while it still reads the header.
 */
const PASSABLE_NAME = /^[A-Z_][A-Z0-9_]*$/;
const SHELL_SPECIAL_NAMES: ReadonlySet<string> = new Set(['IFS', 'PWD', 'OLDPWD', 'OPTIND', 'PPID', 'ENV', 'PS4']);

/**
 * Starts action processes from a spare `/bin/sh` started ahead of time, so a run does not wait
 * for a fork of this process: fork() costs in proportion to the forking process's memory, and a
 * Node process of ~90 MB pays ~2 ms of CPU on its event loop for every one, which a run started
 * on a timer or in answer to a request would otherwise wait for (and jitter with). Taking the
 * spare costs one write to a pipe; the next spare is forked after the run has started, while the
 * action runs. At most one spare waits, blocked in `read`: no CPU, ~1 MB, in a process group of
 * its own and in a cell of its own (see createCell), taken for the run that will take it: joining
 * a cgroup costs the kernel a few milliseconds, and more as they vary (an RCU grace period), which
 * is better paid before the run than on its path. It exits when this process closes its stdin or exits.
 *
 * Falls back (take() answers undefined, the caller spawns as before) for whatever the header
 * cannot carry exactly: a value with a newline, an unusual variable name, a program that
 * cannot be executed (whose spawn must fail as it always did, with ENOENT or EACCES), or a run
 * contained otherwise than this launcher's spares are.
 */
export class WarmLauncher {
  readonly #containment: Containment;
  #spare: ChildProcess | undefined;
  /** The cell the spare waits in, taken for the run that takes it. */
  #spareCell: ProcessCell | undefined;
  /** Set when a spare could not be started at all (no /bin/sh): from then on every run spawns. */
  #isBroken = false;
  #isClosed = false;
  #refill: NodeJS.Immediate | undefined;
  /** Settles once the cells of the spares that ended while they waited have been let go. */
  #dropped: Promise<unknown> = Promise.resolve();
  /** Removes this launcher's listeners from the spare, which the run's supervisor replaces. */
  #forget: (() => void) | undefined;

  /** Starts the first spare on the next turn of the event loop (not inside the caller's start-up), so that even the first run finds one. */
  constructor(containment: Containment = NO_CONTAINMENT) {
    this.#containment = containment;
    this.#scheduleSpare();
  }

  /** The pid of the spare ready to be taken, if one is. */
  get sparePid(): number | undefined {
    return this.#spare !== undefined && isRunning(this.#spare) ? this.#spare.pid : undefined;
  }

  /**
   * The spare, told to become `launch`, with the header written to its stdin, and the cell it is
   * in, which the run now owns (to sweep at exit and remove after); undefined when there is none
   * ready, the launch cannot be passed this way, or the run is to be contained by `containment`
   * and the spares are not. Its stdin stays open for the parameters.
   */
  take(launch: Launch, containment: Containment = NO_CONTAINMENT): { readonly child: ChildProcess; readonly cell: ProcessCell | undefined } | undefined {
    const spare = this.#spare;
    if (spare === undefined || !isRunning(spare)) {
      this.#scheduleSpare(); // it was killed while it waited
      return undefined;
    }
    if (containment.kind !== this.#containment.kind || containment.root !== this.#containment.root) return undefined;
    const header = encodeHeader(launch);
    if (header === undefined) return undefined;
    const cell = this.#spareCell;
    this.#spare = undefined;
    this.#spareCell = undefined;
    this.#forget?.();
    spare.ref();
    for (const stream of [spare.stdin, spare.stdout, spare.stderr]) (stream as Socket | null)?.ref();
    spare.stdin?.write(header);
    this.#scheduleSpare();
    return { child: spare, cell };
  }

  /** Ends the spare; take() answers undefined from then on. Resolves once its cell has been let go (see releaseCell). */
  async close(): Promise<void> {
    this.#isClosed = true;
    clearImmediate(this.#refill);
    this.#refill = undefined;
    const spare = this.#spare;
    this.#spare = undefined;
    this.#spareCell = undefined;
    if (spare !== undefined && isRunning(spare)) {
      const exited = new Promise((resolve) => spare.once('exit', resolve));
      // Waited for: with nothing else left to do, this process would otherwise end before it sees the exit.
      spare.ref();
      spare.stdin?.end(); // it exits, and its exit lets go of its cell
      await exited;
    }
    await this.#dropped;
  }

  /** The next fork is made once the caller's run has been started, not before it. */
  #scheduleSpare(): void {
    if (this.#refill === undefined) {
      this.#refill = setImmediate(() => {
        this.#refill = undefined;
        this.#startSpare();
      });
    }
  }

  #startSpare(): void {
    if (this.#isClosed || this.#isBroken || (this.#spare !== undefined && isRunning(this.#spare))) return;
    let cell: ProcessCell | undefined;
    try {
      cell = createCell(this.#containment);
    } catch {
      return; // no cell to be had now: the next run makes its own, and fails with the reason if it cannot
    }
    // An empty environment: the header exports the run's. detached: it leads its own process group,
    // which becomes the action's; the directory is the header's. Born in its cell, as an action is.
    const launch = launchInCell(cell, { command: SHELL, args: ['-c', LAUNCHER_SCRIPT], cwd: '/', env: {} });
    const spare = spawn(launch.command, [...launch.args], { cwd: launch.cwd, env: { ...launch.env }, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const onError = () => {
      // No pid: /bin/sh could not be started, and never will be. Runs spawn the usual way.
      if (spare.pid === undefined) this.#isBroken = true;
      this.#drop(spare, cell);
    };
    spare.on('error', onError);
    if (spare.pid === undefined) return;
    // Killed from outside while it waited (or ended by close()): the next run spawns, and a new spare is made after it.
    const onExit = () => this.#drop(spare, cell);
    spare.once('exit', onExit);
    this.#forget = () => {
      spare.off('error', onError);
      spare.off('exit', onExit);
    };
    // A waiting spare must not keep this process alive.
    spare.unref();
    for (const stream of [spare.stdin, spare.stdout, spare.stderr]) (stream as Socket | null)?.unref();
    this.#spare = spare;
    this.#spareCell = cell;
  }

  /** Forgets a spare that ended while it waited, and lets go of its cell (for the next run, see releaseCell). */
  #drop(spare: ChildProcess, cell: ProcessCell | undefined): void {
    if (this.#spare === spare) {
      this.#spare = undefined;
      this.#spareCell = undefined;
    }
    this.#dropped = Promise.all([this.#dropped, releaseCell(cell)]);
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** The header for `launch` (see LAUNCHER_SCRIPT), or undefined when it cannot carry it exactly. */
function encodeHeader(launch: Launch): string | undefined {
  const { env } = launch;
  if (!isExecutable(launch.command, launch.cwd, env.PATH)) return undefined;
  const vars = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  const isPassable = Object.keys(env).every((name) => PASSABLE_NAME.test(name) && !SHELL_SPECIAL_NAMES.has(name));
  const lines = [launch.cwd, String(vars.length), ...vars, String(launch.args.length + 1), launch.command, ...launch.args];
  if (!isPassable || lines.some((line) => line.includes('\n') || line.includes('\0'))) return undefined;
  return `${lines.join('\n')}\n`;
}
