import { createWriteStream, type WriteStream } from 'node:fs';
import type { SensorLogEntry, SensorLogStream } from './sensor-types.js';

/** Longest line kept; stderr lines may be up to the splitter cap, which is too much to hold 1000 of. */
const MAX_ENTRY_CHARS = 8192;

export interface SensorLogOptions {
  readonly capacity: number;
  readonly file?: string;
  /** Told once when the file cannot be written; file logging then stops, memory logging goes on. */
  readonly onFileError: (err: Error) => void;
}

/** The last `capacity` log lines of one sensor, optionally mirrored to an append-only file. */
export class SensorLog {
  readonly #capacity: number;
  readonly #entries: (SensorLogEntry | undefined)[];
  readonly #options: SensorLogOptions;
  #next = 0;
  #size = 0;
  #file: WriteStream | null = null;
  #hasFileFailed = false;

  constructor(options: SensorLogOptions) {
    this.#capacity = Math.max(1, Math.floor(options.capacity));
    this.#entries = new Array<SensorLogEntry | undefined>(this.#capacity);
    this.#options = options;
  }

  add(stream: SensorLogStream, text: string): SensorLogEntry {
    const line = text.length > MAX_ENTRY_CHARS ? `${text.slice(0, MAX_ENTRY_CHARS)}… [truncated, ${text.length} chars]` : text;
    const entry: SensorLogEntry = Object.freeze({ at: new Date().toISOString(), stream, line });
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.#capacity;
    this.#size = Math.min(this.#size + 1, this.#capacity);
    this.#appendToFile(entry);
    return entry;
  }

  /** The newest `limit` entries (all kept entries by default), oldest first. */
  tail(limit?: number): readonly SensorLogEntry[] {
    const count = Math.max(0, Math.min(limit ?? this.#size, this.#size));
    const out: SensorLogEntry[] = [];
    for (let i = count; i > 0; i -= 1) {
      const entry = this.#entries[(this.#next - i + this.#capacity) % this.#capacity];
      if (entry !== undefined) out.push(entry);
    }
    return out;
  }

  /** Closes the file; the next line reopens it, so this is safe between process runs. */
  async closeFile(): Promise<void> {
    const file = this.#file;
    if (file === null) return;
    this.#file = null;
    await new Promise<void>((resolve) => file.end(resolve));
  }

  #appendToFile(entry: SensorLogEntry): void {
    const path = this.#options.file;
    if (path === undefined || this.#hasFileFailed) return;
    if (this.#file === null) {
      const file = createWriteStream(path, { flags: 'a' });
      file.on('error', (err) => {
        this.#hasFileFailed = true;
        if (this.#file === file) this.#file = null;
        this.#options.onFileError(err);
      });
      this.#file = file;
    }
    this.#file.write(`${entry.at} ${entry.stream} ${entry.line}\n`);
  }
}
