import { escapeControlCharacters } from '../domain/index.js';
import { LogFile } from '../logging/index.js';
import type { SensorLogEntry, SensorLogStream } from './sensor-types.js';

/** Longest line kept; stderr lines may be up to the splitter cap, which is too much to hold 1000 of. */
const MAX_ENTRY_CHARS = 8192;

export interface SensorLogOptions {
  readonly capacity: number;
  /** Mirror every line to this file, rotated at `fileMaxBytes` keeping `fileMaxFiles` old ones. */
  readonly file?: string;
  readonly fileMaxBytes?: number;
  readonly fileMaxFiles?: number;
  /** Told when the file cannot be written, once per failure streak; memory logging goes on. */
  readonly onFileError: (err: Error) => void;
  /** Told after each line is kept (it must be cheap: it runs for every line). */
  readonly onAdd?: () => void;
}

const DEFAULT_FILE_MAX_BYTES = 1_048_576;
const DEFAULT_FILE_MAX_FILES = 2;

/**
 * The last `capacity` log lines of one sensor, optionally mirrored to a rotated file. Control
 * characters are escaped as they come in (ESC → `\u001b`), so a sensor can never send escape
 * sequences to the terminal of someone reading its log, from the API, the CLI or the file.
 */
export class SensorLog {
  readonly #capacity: number;
  readonly #entries: (SensorLogEntry | undefined)[];
  readonly #file: LogFile | undefined;
  readonly #onAdd: (() => void) | undefined;
  #next = 0;
  #size = 0;

  constructor(options: SensorLogOptions) {
    this.#capacity = Math.max(1, Math.floor(options.capacity));
    this.#entries = new Array<SensorLogEntry | undefined>(this.#capacity);
    this.#onAdd = options.onAdd;
    this.#file =
      options.file === undefined
        ? undefined
        : new LogFile({
            path: options.file,
            maxBytes: options.fileMaxBytes ?? DEFAULT_FILE_MAX_BYTES,
            maxFiles: options.fileMaxFiles ?? DEFAULT_FILE_MAX_FILES,
            formatDropNote: (count, reason) => `${new Date().toISOString()} attune dropped ${count} log lines: could not write them (${reason})\n`,
            onFailure: options.onFileError,
          });
  }

  add(stream: SensorLogStream, text: string): SensorLogEntry {
    // Escaped first, so the cap also bounds a line of control characters (each becomes six).
    const escaped = escapeControlCharacters(text);
    const line = escaped.length > MAX_ENTRY_CHARS ? `${escaped.slice(0, MAX_ENTRY_CHARS)}… [truncated, ${escaped.length} chars]` : escaped;
    const entry: SensorLogEntry = Object.freeze({ at: new Date().toISOString(), stream, line });
    this.#entries[this.#next] = entry;
    this.#next = (this.#next + 1) % this.#capacity;
    this.#size = Math.min(this.#size + 1, this.#capacity);
    this.#file?.write(`${entry.at} ${entry.stream} ${entry.line}\n`);
    this.#onAdd?.();
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

  /** Writes what is queued, then closes the file; the next line reopens it, so this is safe between process runs. */
  async closeFile(): Promise<void> {
    await this.#file?.close();
  }
}
