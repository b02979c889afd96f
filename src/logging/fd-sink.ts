import { writeSync } from 'node:fs';

/**
 * Log lines to a file descriptor (stderr), written synchronously so a warning is out before the
 * process goes on — but a line the descriptor refuses (EAGAIN from a full non-blocking pipe,
 * ENOSPC when stderr is a file on a full disk) is dropped and counted, never retried on the
 * main thread and never thrown; the next line that gets through is preceded by a note.
 */
export class FdSink {
  readonly #fd: number;
  readonly #formatDropNote: (count: number, reason: string) => string;
  #dropped = 0;
  #reason = '';
  #isMidLine = false;

  constructor(fd: number, formatDropNote: (count: number, reason: string) => string) {
    this.#fd = fd;
    this.#formatDropNote = formatDropNote;
  }

  write(line: string): boolean {
    try {
      if (this.#dropped > 0) {
        // A line cut short by the failure is ended first, so the note starts on its own line.
        this.#writeAll(`${this.#isMidLine ? '\n' : ''}${this.#formatDropNote(this.#dropped, this.#reason)}`);
        this.#dropped = 0;
      }
      this.#writeAll(line);
    } catch (error) {
      this.#dropped += 1;
      this.#reason = (error as NodeJS.ErrnoException).code ?? String(error);
    }
    return true;
  }

  #writeAll(text: string): void {
    let rest = Buffer.from(text);
    while (rest.length > 0) {
      const written = writeSync(this.#fd, rest);
      rest = rest.subarray(written);
      this.#isMidLine = rest.length > 0;
    }
  }
}
