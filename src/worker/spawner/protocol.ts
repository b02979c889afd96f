import type { ProcessCell } from '../../domain/index.js';

// The messages between the worker (spawner-client.ts) and its spawner helper (spawner-main.ts),
// over the IPC channel. Both sides check what they receive: the helper is another program, and a
// helper from another build (or a broken one) must fail the runs it holds with a reason, never
// crash the worker or start something it did not mean.
//
//   helper → worker  ready                      once, when it listens; nothing is sent to it before
//   worker → helper  spawn {id, command, …}     start one action
//   helper → worker  spawned {id, pid}          it runs (not sent when it could not be started)
//   helper → worker  exit {id, code, …}         it ended and its output was read; last for this id

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

/** The helper listens for requests: the handshake, after which the worker sends work. */
export interface Ready {
  readonly type: 'ready';
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
  /**
   * When the helper saw the process exit, on the machine's monotonic clock (see monotonicUs),
   * which both processes share: a stop the worker asked for after this instant came too late to
   * have any effect, and must not turn the run into `cancelled` or `timeout`.
   */
  readonly exitedAtUs?: number;
}

export type SpawnerReply = Ready | Spawned | Exited;

/** Exit codes of the helper besides Node's own (see describeHelperExit). */
export const HELPER_EXIT_CODES = {
  /** The worker went away: the helper ended the actions it ran, as it must. */
  disconnected: 0,
  /** It got a message that is not a spawn request (EX_DATAERR of sysexits.h). */
  badRequest: 65,
} as const;

type Fields = Readonly<Record<string, unknown>>;
type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

const isRecord = (value: unknown): value is Fields => typeof value === 'object' && value !== null && !Array.isArray(value);
const isId = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) > 0;
const isString = (value: unknown): value is string => typeof value === 'string';
const isStringMap = (value: unknown): value is Record<string, string> => isRecord(value) && Object.values(value).every(isString);
const isCell = (value: unknown): boolean =>
  value === undefined || (isRecord(value) && ['cgroup2', 'cgroup1', 'environ'].includes(value.kind as string) && isString(value.tag));
const isExitCode = (value: unknown): boolean => value === null || Number.isInteger(value);
const isSignal = (value: unknown): boolean => value === null || (isString(value) && /^SIG[A-Z0-9]+$/.test(value));
const isSpawnError = (value: unknown): boolean => value === undefined || (isRecord(value) && isString(value.code) && isString(value.message));
const isInstant = (value: unknown): boolean => value === undefined || (typeof value === 'number' && Number.isFinite(value) && value >= 0);

/**
 * Now, in µs, on CLOCK_MONOTONIC (libuv's hrtime): one clock for every process of the machine,
 * unlike performance.now(), whose origin is each process's start.
 */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** The first field of `message` that `checks` refuse, named for the error. */
function firstBadField(message: Fields, checks: Readonly<Record<string, (value: unknown) => boolean>>): string | undefined {
  return Object.entries(checks).find(([field, check]) => !check(message[field]))?.[0];
}

const REPLY_FIELDS = {
  ready: {},
  spawned: { id: isId, pid: isId },
  exit: { id: isId, code: isExitCode, signal: isSignal, stdout: isString, stderr: isString, spawnError: isSpawnError, exitedAtUs: isInstant },
} as const satisfies Record<SpawnerReply['type'], Readonly<Record<string, (value: unknown) => boolean>>>;

const REQUEST_FIELDS = {
  id: isId,
  command: isString,
  args: (value: unknown) => Array.isArray(value) && value.every(isString),
  cwd: isString,
  env: isStringMap,
  stdin: isString,
  cell: isCell,
  maxOutputBytes: (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0,
} as const;

/** A message from the helper, checked field by field; what cannot be used is refused with the reason. */
export function parseReply(message: unknown): Parsed<SpawnerReply> {
  if (!isRecord(message)) return { ok: false, error: 'a message that is not an object' };
  const type = message.type;
  if (type !== 'ready' && type !== 'spawned' && type !== 'exit') return { ok: false, error: `a message of unknown type ${JSON.stringify(type)}` };
  const bad = firstBadField(message, REPLY_FIELDS[type]);
  if (bad !== undefined) return { ok: false, error: `an ill-formed ${type} message (bad ${bad})` };
  return { ok: true, value: message as unknown as SpawnerReply };
}

/** A message from the worker; `id` is set when the message names one, so that it can be answered. */
export function parseRequest(message: unknown): Parsed<SpawnRequest> & { readonly id?: number } {
  if (!isRecord(message) || message.type !== 'spawn') return { ok: false, error: 'a message that is not a spawn request' };
  const bad = firstBadField(message, REQUEST_FIELDS);
  const id = isId(message.id) ? { id: message.id } : {};
  if (bad !== undefined) return { ok: false, error: `a spawn request with a bad ${bad}`, ...id };
  return { ok: true, value: message as unknown as SpawnRequest };
}

/**
 * What the helper's exit codes mean: its own (HELPER_EXIT_CODES), then Node's
 * (nodejs.org/api/process.html#exit-codes), as BullMQ's child pool names them.
 */
const EXIT_REASONS: Readonly<Record<number, string>> = {
  [HELPER_EXIT_CODES.disconnected]: 'its channel to the worker closed',
  [HELPER_EXIT_CODES.badRequest]: 'it got a message that is not a spawn request (a worker of another build?)',
  1: 'an uncaught exception; its stderr says which',
  3: 'internal JavaScript parse error',
  4: 'internal JavaScript evaluation failure',
  5: 'fatal error in V8',
  6: 'non-function internal exception handler',
  7: 'internal exception handler run-time failure',
  9: 'invalid argument (a Node option it was started with)',
  10: 'internal JavaScript run-time failure',
  12: 'invalid debug argument',
  13: 'unfinished top-level await',
};

/** How the helper ended, in words, for the error of the runs it held. */
export function describeHelperExit(code: number | null, signal: NodeJS.Signals | null): string {
  if (signal === 'SIGKILL') return 'killed by SIGKILL: by hand, or by the out-of-memory killer';
  if (signal !== null) return `killed by ${signal}`;
  if (code === null) return 'ended with no exit status';
  const meaning = EXIT_REASONS[code];
  return meaning === undefined ? `exit code ${code}` : `exit code ${code}: ${meaning}`;
}
