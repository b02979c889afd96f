import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ProcessCell, ProcessIdentity } from '../domain/index.js';
import { identifyProcess, killOrphanedProcess } from '../process/index.js';

/**
 * The sensor processes this Attune runs, one file per sensor (`<dir>/<ref>.json`: pid, start time,
 * boot id and cell), written when a process starts and removed when it has exited. Files left
 * behind name the processes of an Attune that died without stopping them (kill -9): the next
 * start ends those before it starts new copies, so a sensor never runs twice.
 */
export class SensorLedger {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  record(ref: string, pid: number, cell: ProcessCell | undefined): void {
    const identity = identifyProcess(pid);
    // No /proc: the process cannot be told from a later one with its pid, so it is not recorded.
    if (identity === undefined) return;
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    writeFileSync(this.#file(ref), `${JSON.stringify(cell ? { ...identity, cell } : identity)}\n`, { mode: 0o600 });
  }

  forget(ref: string): void {
    rmSync(this.#file(ref), { force: true });
  }

  /** Ends every recorded process still running (and all in its cell) and clears the ledger; returns the refs of those ended. */
  reapOrphans(): string[] {
    let files: string[];
    try {
      files = readdirSync(this.#dir).filter((file) => file.endsWith('.json'));
    } catch {
      return []; // no ledger yet: nothing was recorded
    }
    const reaped: string[] = [];
    for (const file of files) {
      const identity = readIdentity(path.join(this.#dir, file));
      if (identity !== undefined && killOrphanedProcess(identity)) reaped.push(decodeURIComponent(file.slice(0, -'.json'.length)));
      rmSync(path.join(this.#dir, file), { force: true });
    }
    return reaped;
  }

  #file(ref: string): string {
    return path.join(this.#dir, `${encodeURIComponent(ref)}.json`);
  }
}

function readIdentity(file: string): ProcessIdentity | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProcessIdentity>;
    if (typeof value.pid !== 'number' || typeof value.start !== 'string' || typeof value.boot !== 'string') return undefined;
    return value as ProcessIdentity;
  } catch {
    return undefined; // half-written by a process killed mid-write: nothing to act on safely
  }
}
