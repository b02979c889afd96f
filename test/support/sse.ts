import { until } from './wait.js';

/** One `data:` message of GET /api/v1/stream. */
export interface StreamMessage {
  readonly type: string;
  readonly id: number | string;
  readonly change: string;
  readonly summary: Record<string, unknown>;
}

/**
 * A live-stream subscriber for tests: reads the server-sent events of `GET /api/v1/stream` as
 * they come and keeps every message and comment. `opened` resolves at the `: connected` comment
 * (the subscription is live from then on); `ended` once the server closed the stream.
 */
export class StreamReader {
  readonly messages: StreamMessage[] = [];
  readonly comments: string[] = [];
  status = 0;
  #ended = false;
  readonly #abort = new AbortController();
  readonly done: Promise<void>;

  constructor(url: string, token: string, query = '') {
    const response = fetch(`${url}/api/v1/stream${query}`, { headers: { authorization: `Bearer ${token}` }, signal: this.#abort.signal });
    // An abort (close()) or a reset ends the reading; `ended` says so, and the test checks what arrived.
    this.done = response.then((r) => this.#read(r)).catch(() => undefined).finally(() => (this.#ended = true));
  }

  get ended(): boolean {
    return this.#ended;
  }

  async opened(): Promise<void> {
    await until(() => this.comments.includes('connected') || this.#ended, Boolean, 20);
  }

  /** Waits for a message `predicate` accepts (the test's timeout bounds the wait). */
  async next(predicate: (message: StreamMessage) => boolean): Promise<StreamMessage> {
    const found = await until(() => this.messages.find(predicate) ?? (this.#ended ? null : undefined), (m) => m !== undefined, 20);
    if (!found) throw new Error(`the stream ended before the message came; got ${JSON.stringify(this.messages)}`);
    return found;
  }

  close(): void {
    this.#abort.abort();
  }

  async #read(response: Response): Promise<void> {
    this.status = response.status;
    if (!response.ok || !response.body) {
      await response.text();
      return;
    }
    const decoder = new TextDecoder();
    let buffered = '';
    for await (const chunk of response.body) {
      buffered += decoder.decode(chunk as Uint8Array, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) >= 0) {
        this.#take(buffered.slice(0, end));
        buffered = buffered.slice(end + 2);
      }
    }
  }

  #take(block: string): void {
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) this.comments.push(line.slice(1).trim());
      else if (line.startsWith('data: ')) this.messages.push(JSON.parse(line.slice(6)) as StreamMessage);
    }
  }
}
