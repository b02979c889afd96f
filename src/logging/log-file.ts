import { openSync, writeSync } from 'node:fs';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';

/** Log files hold parameters, errors and sensor output: the owner's alone. */
export const LOG_FILE_MODE = 0o600;
const DEFAULT_MAX_QUEUED_BYTES = 256 * 1024;
const DEFAULT_RETRY_MS = 1000;

export interface LogFileOptions {
  /** The live file; rotated files are `<path>.1` (the newest) to `<path>.<maxFiles>`. */
  readonly path: string;
  /** A write that would take the live file past this size rotates it first (a single longer line still goes in whole). */
  readonly maxBytes: number;
  /** Rotated files kept; 0 keeps none (the live file starts over empty). */
  readonly maxFiles: number;
  /** The line (newline included) written where lines were dropped: how many, and the last error. */
  readonly formatDropNote: (count: number, reason: string) => string;
  /** Lines held while the disk cannot take them; beyond this many bytes new lines are dropped. */
  readonly maxQueuedBytes?: number;
  /** How long to wait before trying again after a failed write. */
  readonly retryMs?: number;
  /** Told when writing starts to fail (once per failure streak). */
  readonly onFailure?: (error: Error) => void;
}

/**
 * An append-only log file that never blocks the event loop, never throws and never emits an
 * unhandled error. Lines are written asynchronously, in order. When the disk refuses (ENOSPC,
 * EIO, a missing directory…) the lines in hand are kept, up to `maxQueuedBytes`, and retried
 * every `retryMs`; the lines beyond are dropped and counted, and a note saying how many takes
 * their place once writing works again. A partly written line is completed, never cut.
 * Before the live file would pass `maxBytes` it is rotated: `<path>` → `<path>.1` → … →
 * `<path>.<maxFiles>`, the oldest being overwritten. So the files never take more than about
 * (maxFiles + 1) × maxBytes.
 */
export class LogFile {
  readonly #options: LogFileOptions;
  readonly #maxQueuedBytes: number;
  readonly #retryMs: number;
  #queue: Buffer[] = [];
  #queuedBytes = 0;
  /** The rest of the batch being written: it is retried until it is all on disk. */
  #pending: Buffer | undefined;
  #handle: FileHandle | undefined;
  #size = 0;
  #unnotedDrops = 0;
  #dropReason = '';
  #droppedTotal = 0;
  #lastError: Error | undefined;
  #draining: Promise<void> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: LogFileOptions) {
    this.#options = options;
    this.#maxQueuedBytes = options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES;
    this.#retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  }

  /** Lines dropped since this object was made. */
  get droppedLines(): number {
    return this.#droppedTotal;
  }

  /** Queues one line (a newline is added when missing). Always returns true: a caller never waits. */
  write(line: string): boolean {
    const buffer = Buffer.from(line.endsWith('\n') ? line : `${line}\n`);
    if (this.#queuedBytes + buffer.length > this.#maxQueuedBytes) {
      this.#drop();
      return true;
    }
    if (this.#unnotedDrops > 0) this.#enqueue(this.#dropNote());
    this.#enqueue(buffer);
    if (this.#retryTimer === undefined) this.#kick();
    return true;
  }

  /**
   * Writes what is queued now; resolves once it is on disk, or once one more try has failed
   * (the lines then stay queued for the next retry). Never rejects.
   */
  async flush(): Promise<void> {
    await this.#draining;
    if (this.#unnotedDrops > 0) this.#enqueue(this.#dropNote());
    if (this.#pending === undefined && this.#queue.length === 0) return;
    this.#cancelRetry();
    this.#kick();
    await this.#draining;
  }

  /** Flushes, then closes the file; a later write opens it again. Never rejects. */
  async close(): Promise<void> {
    await this.flush();
    await this.#closeHandle();
  }

  /**
   * For the last moment of a process (an `exit` handler): writes the queued lines synchronously,
   * once, giving up at the first error. A write in progress may land after them.
   */
  flushSync(): void {
    this.#cancelRetry();
    // A batch being written asynchronously is the thread pool's; one that failed is ours to retry.
    const parts = this.#draining === undefined && this.#pending ? [this.#pending, ...this.#queue] : this.#queue;
    const lines = Buffer.concat(parts);
    this.#clearQueue();
    if (lines.length === 0) return;
    try {
      const fd = this.#handle?.fd ?? openSync(this.#options.path, 'a', LOG_FILE_MODE);
      writeSync(fd, lines);
    } catch {
      // The process is exiting and the disk refuses: there is nobody left to tell.
    }
  }

  #enqueue(buffer: Buffer): void {
    this.#queue.push(buffer);
    this.#queuedBytes += buffer.length;
  }

  #clearQueue(): void {
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#pending = undefined;
  }

  #drop(): void {
    this.#unnotedDrops += 1;
    this.#droppedTotal += 1;
    this.#dropReason = this.#lastError ? errorReason(this.#lastError) : this.#dropReason || 'the disk is slower than the lines come';
  }

  /** The note standing for the lines dropped since the last one; it goes where they would have. */
  #dropNote(): Buffer {
    const note = Buffer.from(this.#options.formatDropNote(this.#unnotedDrops, this.#dropReason));
    this.#unnotedDrops = 0;
    this.#dropReason = '';
    return note;
  }

  #kick(): void {
    this.#draining ??= this.#drain().finally(() => {
      this.#draining = undefined;
      // A line queued after the loop found the queue empty, but before this ran, must still go out.
      if (this.#retryTimer === undefined && (this.#pending !== undefined || this.#queue.length > 0)) this.#kick();
    });
  }

  #cancelRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  /** Writes until the queue is empty or the disk refuses; never rejects. */
  async #drain(): Promise<void> {
    try {
      while (this.#pending !== undefined || this.#queue.length > 0) {
        this.#pending ??= await this.#nextBatch();
        await this.#writePending();
      }
      this.#lastError = undefined;
    } catch (error) {
      await this.#fail(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The queued lines that fit in the live file, rotating it first when none would. */
  async #nextBatch(): Promise<Buffer> {
    const handle = await this.#open();
    let room = this.#options.maxBytes - this.#size;
    if (this.#size > 0 && (this.#queue[0]?.length ?? 0) > room) {
      await this.#rotate(handle);
      await this.#open();
      room = this.#options.maxBytes;
    }
    let count = 0;
    let bytes = 0;
    for (const line of this.#queue) {
      if (count > 0 && bytes + line.length > room) break;
      count += 1;
      bytes += line.length;
    }
    const batch = Buffer.concat(this.#queue.splice(0, count), bytes);
    this.#queuedBytes -= bytes;
    return batch;
  }

  async #writePending(): Promise<void> {
    const handle = await this.#open();
    while (this.#pending !== undefined && this.#pending.length > 0) {
      const { bytesWritten } = await handle.write(this.#pending);
      this.#size += bytesWritten;
      this.#pending = this.#pending.subarray(bytesWritten);
    }
    this.#pending = undefined;
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle;
    const handle = await open(this.#options.path, 'a', LOG_FILE_MODE);
    try {
      const stat = await handle.stat();
      // A file made by an older version may be world-readable; never chmod a device or a pipe.
      if (stat.isFile() && (stat.mode & 0o777) !== LOG_FILE_MODE) await handle.chmod(LOG_FILE_MODE);
      this.#size = stat.isFile() ? stat.size : 0;
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw error;
    }
    this.#handle = handle;
    return handle;
  }

  async #rotate(handle: FileHandle): Promise<void> {
    this.#handle = undefined;
    await handle.close();
    const { path, maxFiles } = this.#options;
    if (maxFiles === 0) {
      await rm(path, { force: true });
      return;
    }
    for (let n = maxFiles - 1; n >= 1; n -= 1) await renameIfExists(`${path}.${n}`, `${path}.${n + 1}`);
    await renameIfExists(path, `${path}.1`);
  }

  /** Closes the file (the next try reopens it: the disk may have been remounted or cleaned) and waits. */
  async #fail(error: Error): Promise<void> {
    const isNewStreak = this.#lastError === undefined;
    this.#lastError = error;
    if (this.#unnotedDrops > 0) this.#dropReason = errorReason(error); // why the lines waiting could not go out
    await this.#closeHandle();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#kick();
    }, this.#retryMs);
    this.#retryTimer.unref();
    // Last: a note the callback logs to this very file just joins the queue for the retry.
    if (isNewStreak) this.#options.onFailure?.(error);
  }

  async #closeHandle(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    // Closing may report a failed deferred write; the lines it held were already counted.
    await handle?.close().catch(() => undefined);
  }
}

async function renameIfExists(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

function errorReason(error: Error): string {
  return (error as NodeJS.ErrnoException).code ?? error.message;
}
