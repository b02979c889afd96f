import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Cleanup } from './cleanup.js';
import type { HttpClient } from './http-client.js';
import { sleep } from './stats.js';

/** The repository root: dist-bench/ sits next to dist/. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ATTUNE_BIN = path.join(REPO_ROOT, 'dist', 'cli', 'bin.js');

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** The environment every attune process gets: a free port, and no data dir inherited from the user. */
export function attuneEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ATTUNE__SERVER__PORT: '0' };
  delete env.ATTUNE_HOME;
  return env;
}

export interface RunningAttune {
  readonly home: string;
  readonly url: string;
  /** The pid recorded in api.json: the process whose memory we read. */
  readonly pid: number;
  /** Spawn to api.json present and /health answering. */
  readonly readyMs: number;
  readonly child: ChildProcess;
  /** Last lines of the process's stdout and stderr, for error messages. */
  output(): string;
}

/**
 * Spawns `attune up` in a fresh temp data dir and waits until it serves /api/v1/health. `nodeArgs`
 * go to node before the script (e.g. `--cpu-prof`).
 */
export async function startAttune(cleanup: Cleanup, http: HttpClient, nodeArgs: readonly string[] = []): Promise<RunningAttune> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'attune-bench-'));
  cleanup.trackDir(home);
  let tail = '';
  const keepTail = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };

  const startedAt = performance.now();
  // Started as a user starts it: the bin itself, whose #! line carries Attune's Node flags.
  // Extra Node arguments (profiling) need Node named explicitly.
  const [command, args] = nodeArgs.length === 0 ? [ATTUNE_BIN, []] : [process.execPath, [...nodeArgs, ATTUNE_BIN]];
  const child = spawn(command, [...args, 'up', '--home', home], { env: attuneEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.trackChild(child);
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);
  const output = () => tail.trim();
  const failStart = async (reason: string): Promise<never> => {
    await stopProcess(child);
    throw new Error(`attune up ${reason}\n--- its output ---\n${output()}`);
  };

  const apiFile = path.join(home, 'api.json');
  const deadline = startedAt + READY_TIMEOUT_MS;
  let api: { url: string; pid: number } | undefined;
  while (performance.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      return failStart(`exited before it was ready (code ${child.exitCode}, signal ${child.signalCode})`);
    }
    api ??= readApiFile(apiFile);
    if (api !== undefined && (await isHealthy(http, api.url))) {
      http.authorize(readFileSync(path.join(home, 'cli-token'), 'utf8').trim());
      return { home, url: api.url, pid: api.pid, readyMs: performance.now() - startedAt, child, output };
    }
    await sleep(5);
  }
  return failStart(`was not ready within ${READY_TIMEOUT_MS} ms`);
}

function readApiFile(file: string): { url: string; pid: number } | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { url: string; pid: number };
  } catch {
    // Caught mid-write: the next poll reads the whole file.
    return undefined;
  }
}

async function isHealthy(http: HttpClient, url: string): Promise<boolean> {
  try {
    return (await http.request('GET', `${url}/api/v1/health`)).status === 200;
  } catch {
    // Not listening yet: keep polling until the deadline.
    return false;
  }
}

/** SIGTERM (attune drains), then SIGKILL if it has not exited after STOP_TIMEOUT_MS. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

export async function stopAttune(attune: RunningAttune, cleanup: Cleanup): Promise<void> {
  await stopProcess(attune.child);
  cleanup.removeDir(attune.home);
}

/** A field of /proc/<pid>/status in MB (`VmRSS`, `VmHWM`), or undefined where /proc does not exist. */
export function readMemoryMb(pid: number, field: 'VmRSS' | 'VmHWM'): number | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    // Not Linux (or the process is gone): the memory figures are reported as unavailable.
    return undefined;
  }
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match?.[1] === undefined ? undefined : Number(match[1]) / 1024;
}

/**
 * CPU time (user + system) the process has used so far, in ms, from /proc/<pid>/stat; undefined
 * where /proc does not exist. Unlike wall-clock rates it hardly moves with the machine's load.
 */
export function readCpuMs(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    // Not Linux (or the process is gone): the CPU figure is reported as unavailable.
    return undefined;
  }
  // Fields after the command name (which may hold spaces) start at state; utime and stime are 14 and 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks * 1000) / CLOCK_TICKS_PER_S;
}

/** USER_HZ: 100 on every Linux this runs on (`getconf CLK_TCK`). */
const CLOCK_TICKS_PER_S = 100;

/** One process of a tree and its VmRSS. */
export interface ProcessMemory {
  readonly pid: number;
  /** What it is: `attune up`, `timer sensor`, `spawner helper`, or its command line. */
  readonly role: string;
  readonly rssMb: number;
}

/** VmRSS of `rootPid` and every process descended from it (Linux; empty elsewhere). */
export function readTreeMemory(rootPid: number): ProcessMemory[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);
  } catch {
    return []; // not Linux: the figure is reported as unavailable
  }
  const parents = new Map(pids.map((pid) => [pid, parentOf(pid)]));
  const tree = new Set([rootPid]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (!tree.has(pid) && parent !== undefined && tree.has(parent)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  return [...tree].flatMap((pid) => {
    const rssMb = readMemoryMb(pid, 'VmRSS');
    return rssMb === undefined ? [] : [{ pid, role: pid === rootPid ? 'attune up' : roleOf(pid), rssMb }];
  });
}

function parentOf(pid: number): number | undefined {
  try {
    // The command name in field 2 may hold spaces and parentheses: the fields after it are after the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // gone meanwhile
  }
}

function roleOf(pid: number): string {
  let command = '';
  try {
    command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return 'gone';
  }
  if (command.includes('interval_timer_sensor')) return 'timer sensor';
  if (command.includes('spawner-main')) return 'spawner helper';
  if (command.includes('IFS= read -r dir')) return 'spare shell'; // WarmLauncher's /bin/sh waiting for the next run
  return command.slice(0, 60);
}

/** Reads a memory field of a process at a fixed interval until stopped: RSS under load. */
export class MemorySampler {
  readonly samples: number[] = [];
  readonly #timer: NodeJS.Timeout;

  constructor(pid: number, field: 'VmRSS' | 'VmHWM', intervalMs: number) {
    const read = () => {
      const mb = readMemoryMb(pid, field);
      if (mb !== undefined) this.samples.push(mb);
    };
    read();
    this.#timer = setInterval(read, intervalMs);
  }

  stop(): number[] {
    clearInterval(this.#timer);
    return this.samples;
  }
}
