/**
 * Whether every service of this process runs. The API listens before the others start (the
 * worker and the sensors need its URL, and the port may be chosen at listen time), so an
 * answering API alone does not mean Attune can run anything yet.
 */
export class Readiness {
  #isReady = false;

  get isReady(): boolean {
    return this.#isReady;
  }

  /** Called once the last service of the process has started. */
  markReady(): void {
    this.#isReady = true;
  }
}
