/**
 * Collects one output stream up to a byte cap. Beyond the cap the first bytes are kept and a
 * marker line states how many were dropped, so a chatty action cannot exhaust worker memory.
 */
export class OutputCapture {
  readonly #maxBytes: number;
  readonly #chunks: Buffer[] = [];
  #keptBytes = 0;
  #droppedBytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = Math.max(0, maxBytes);
  }

  push(chunk: Buffer): void {
    const room = this.#maxBytes - this.#keptBytes;
    if (room >= chunk.length) {
      this.#chunks.push(chunk);
      this.#keptBytes += chunk.length;
      return;
    }
    if (room > 0) {
      const cut = utf8Boundary(chunk, room);
      this.#chunks.push(chunk.subarray(0, cut));
      this.#keptBytes += cut;
      this.#droppedBytes += chunk.length - cut;
      // Whatever remains of the cap after a boundary cut is given up, so later chunks never
      // append after a gap.
      this.#keptBytes = this.#maxBytes;
      return;
    }
    this.#droppedBytes += chunk.length;
  }

  get isTruncated(): boolean {
    return this.#droppedBytes > 0;
  }

  text(): string {
    const body = Buffer.concat(this.#chunks).toString('utf8');
    if (this.#droppedBytes === 0) return body;
    return `${body}\n[attune: output truncated, ${this.#droppedBytes} bytes dropped]`;
  }
}

/** The largest cut ≤ `end` that does not split a UTF-8 sequence (stepping back over continuation bytes). */
function utf8Boundary(buf: Buffer, end: number): number {
  let cut = end;
  // UTF-8 continuation bytes are 0b10xxxxxx.
  while (cut > 0 && cut < buf.length && ((buf[cut] ?? 0) & 0xc0) === 0x80) cut -= 1;
  return cut;
}
