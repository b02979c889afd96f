/**
 * At most `size` pieces of work at once, the others waiting in arrival order. A worker takes
 * dispatches from one queue per runtime it offers; this keeps their sum within its concurrency.
 */
export class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(size: number) {
    this.#free = Math.max(1, size);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free--;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      // The slot passes straight to the next waiter, so none can be overtaken by a newcomer.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free++;
    }
  }
}
