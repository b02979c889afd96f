import type { ProcessCell } from '../../domain/entities.js';

/** Messages between the worker and its spawner helper process (over the IPC channel). */

export interface SpawnRequest {
  readonly type: 'spawn';
  readonly id: number;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  readonly stdin: string;
  /** The cell the worker made for this action: the helper starts the process in it and kills it when the process exits. */
  readonly cell?: ProcessCell;
  readonly maxOutputBytes: number;
}

/** The child is running: its pid is also its process group, which the worker signals directly. */
export interface Spawned {
  readonly type: 'spawned';
  readonly id: number;
  readonly pid: number;
}

export interface Exited {
  readonly type: 'exit';
  readonly id: number;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Captured output, already capped (with the truncation marker when bytes were dropped). */
  readonly stdout: string;
  readonly stderr: string;
  readonly spawnError?: { readonly code: string; readonly message: string };
}

export type SpawnerReply = Spawned | Exited;
