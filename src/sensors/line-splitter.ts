const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
/** Characters of an over-long line kept for the log message. */
const OVERFLOW_HEAD_CHARS = 200;

export interface LineSplitterHandlers {
  readonly onLine: (line: string) => void;
  /** A line longer than the cap was dropped; `head` is its beginning, `bytes` its full length. */
  readonly onOverflow: (bytes: number, head: string) => void;
}

/**
 * Splits a byte stream into UTF-8 lines across chunk boundaries. Splitting on the 0x0A byte is
 * safe for UTF-8 because it never occurs inside a multi-byte sequence. A line longer than
 * `maxLineBytes` is dropped as soon as it crosses the cap, so one runaway writer cannot grow
 * the buffer without bound.
 */
export class LineSplitter {
  readonly #maxLineBytes: number;
  readonly #handlers: LineSplitterHandlers;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Set while discarding the rest of an over-long line. */
  #overflow: { bytes: number; head: string } | null = null;

  constructor(maxLineBytes: number, handlers: LineSplitterHandlers) {
    this.#maxLineBytes = maxLineBytes;
    this.#handlers = handlers;
  }

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl !== -1; nl = chunk.indexOf(NEWLINE, start)) {
      this.#append(chunk.subarray(start, nl));
      this.#finishLine();
      start = nl + 1;
    }
    if (start < chunk.length) this.#append(chunk.subarray(start));
  }

  /** Emits a final line that had no trailing newline. */
  end(): void {
    if (this.#pendingBytes > 0 || this.#overflow !== null) this.#finishLine();
  }

  #append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.#overflow !== null) {
      this.#overflow.bytes += part.length;
      return;
    }
    this.#pending.push(part);
    this.#pendingBytes += part.length;
    if (this.#pendingBytes > this.#maxLineBytes) {
      const text = Buffer.concat(this.#pending).toString('utf8', 0, OVERFLOW_HEAD_CHARS * 4);
      this.#overflow = { bytes: this.#pendingBytes, head: text.slice(0, OVERFLOW_HEAD_CHARS) };
      this.#pending = [];
      this.#pendingBytes = 0;
    }
  }

  #finishLine(): void {
    const overflow = this.#overflow;
    if (overflow !== null) {
      this.#overflow = null;
      this.#handlers.onOverflow(overflow.bytes, overflow.head);
      return;
    }
    let line = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    if (line.length > 0 && line[line.length - 1] === CARRIAGE_RETURN) line = line.subarray(0, -1);
    this.#handlers.onLine(line.toString('utf8'));
  }
}
