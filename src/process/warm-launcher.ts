import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import type { ProcessCell } from '../domain/index.js';
import { isCell, isExecutable, type Launch } from './cell.js';
import { SHELL } from './cgroup.js';
import { CELL_ENV } from './environ-cell.js';

/**
 * The spare's program. It blocks reading its stdin until a run takes it, then reads the run's
 * header there, one field per line: the cgroup cell to join (empty for none), the directory, the
 * count of environment variables and each `NAME=value`, the count of arguments and each
 * argument (the program first). It joins the cell, moves to the directory and execs the
 * program, which keeps the pid (and so the process group) and finds its parameters next on
 * stdin: `read` takes a pipe byte by byte, never past the header. EOF before a header means
 * Attune is done with it (or gone): it exits. Exit 125 is a failure of the launcher itself, as
 * cgroupLaunch's wrapper reports it. `cd` exports PWD and OLDPWD in dash: unset, so the program
 * gets exactly the environment of the header, as a direct spawn would give it.
 */
const LAUNCHER_SCRIPT = [
  'IFS= read -r cell || exit 0',
  'IFS= read -r dir && IFS= read -r n || exit 125',
  'while [ "$n" -gt 0 ]; do IFS= read -r kv || exit 125; export "$kv"; n=$((n - 1)); done',
  'IFS= read -r n || exit 125',
  'set --',
  'while [ "$n" -gt 0 ]; do IFS= read -r a || exit 125; set -- "$@" "$a"; n=$((n - 1)); done',
  'if [ -n "$cell" ]; then echo $$ > "$cell/cgroup.procs" || { echo "attune: could not enter the process cell $cell" >&2; exit 125; }; fi',
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
 * action runs. At most one spare waits, blocked in `read`: no CPU, ~1 MB, no cell, and no
 * process group but its own; it exits when this process closes its stdin or exits.
 *
 * Falls back (take() answers undefined, the caller spawns as before) for whatever the header
 * cannot carry exactly: a value with a newline, an unusual variable name, a program that
 * cannot be executed (whose spawn must fail as it always did, with ENOENT or EACCES).
 */
export class WarmLauncher {
  #spare: ChildProcess | undefined;
  /** Set when a spare could not be started at all (no /bin/sh): from then on every run spawns. */
  #isBroken = false;
  #isClosed = false;
  #refill: NodeJS.Immediate | undefined;
  /** Removes this launcher's listeners from the spare, which the run's supervisor replaces. */
  #forget: (() => void) | undefined;

  /** Starts the first spare on the next turn of the event loop (not inside the caller's start-up), so that even the first run finds one. */
  constructor() {
    this.#scheduleSpare();
  }

  /** The pid of the spare ready to be taken, if one is. */
  get sparePid(): number | undefined {
    return this.#spare !== undefined && isRunning(this.#spare) ? this.#spare.pid : undefined;
  }

  /**
   * The spare, told to become `launch` in `cell` (see launchInCell for what a cell means), with
   * the header written to its stdin; undefined when there is none ready or the launch cannot
   * be passed this way. Its stdin stays open for the parameters.
   */
  take(launch: Launch, cell: ProcessCell | undefined): ChildProcess | undefined {
    const spare = this.#spare;
    if (spare === undefined || !isRunning(spare)) {
      this.#scheduleSpare(); // it was killed while it waited
      return undefined;
    }
    const header = encodeHeader(launch, cell);
    if (header === undefined) return undefined;
    this.#spare = undefined;
    this.#forget?.();
    spare.ref();
    for (const stream of [spare.stdin, spare.stdout, spare.stderr]) (stream as Socket | null)?.ref();
    spare.stdin?.write(header);
    this.#scheduleSpare();
    return spare;
  }

  /** Ends the spare; take() answers undefined from then on. */
  close(): void {
    this.#isClosed = true;
    clearImmediate(this.#refill);
    this.#refill = undefined;
    this.#spare?.stdin?.end();
    this.#spare = undefined;
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
    // An empty environment: the header exports the run's. detached: it leads its own process group,
    // which becomes the action's; the directory is the header's.
    const spare = spawn(SHELL, ['-c', LAUNCHER_SCRIPT], { cwd: '/', env: {}, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    const onError = () => {
      // No pid: /bin/sh could not be started, and never will be. Runs spawn the usual way.
      if (spare.pid === undefined) this.#isBroken = true;
      if (this.#spare === spare) this.#spare = undefined;
    };
    spare.on('error', onError);
    if (spare.pid === undefined) return;
    // Killed from outside while it waited: the next run spawns, and a new spare is made after it.
    const onExit = () => {
      if (this.#spare === spare) this.#spare = undefined;
    };
    spare.once('exit', onExit);
    this.#forget = () => {
      spare.off('error', onError);
      spare.off('exit', onExit);
    };
    // A waiting spare must not keep this process alive.
    spare.unref();
    for (const stream of [spare.stdin, spare.stdout, spare.stderr]) (stream as Socket | null)?.unref();
    this.#spare = spare;
  }
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** The header for `launch` in `cell` (see LAUNCHER_SCRIPT), or undefined when it cannot carry it exactly. */
function encodeHeader(launch: Launch, cell: ProcessCell | undefined): string | undefined {
  let cellDir = '';
  let env: Readonly<Record<string, string>> = launch.env;
  if (cell !== undefined) {
    if (cell.kind === 'environ') env = { ...env, [CELL_ENV]: cell.tag };
    else if (isCell(cell)) cellDir = cell.tag;
    else return undefined; // not a cell of ours: the usual path decides what to do with it
  }
  if (!isExecutable(launch.command, launch.cwd, env.PATH)) return undefined;
  const vars = Object.entries(env).map(([name, value]) => `${name}=${value}`);
  const isPassable = Object.keys(env).every((name) => PASSABLE_NAME.test(name) && !SHELL_SPECIAL_NAMES.has(name));
  const lines = [cellDir, launch.cwd, String(vars.length), ...vars, String(launch.args.length + 1), launch.command, ...launch.args];
  if (!isPassable || lines.some((line) => line.includes('\n') || line.includes('\0'))) return undefined;
  return `${lines.join('\n')}\n`;
}
