/**
 * Waiting in tests: for a condition, never for a duration. A test that sleeps "long enough" for
 * something to happen fails on a loaded machine; one that polls for it only takes longer there.
 */

/** Resolves after `ms`. Paces a poll; never use it as "long enough" for something to happen. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Reads `read` until `done` holds for its value, and returns that value. It has no deadline of
 * its own: the test's timeout bounds the wait, so a slow machine only makes the test slower.
 */
export async function until<T>(read: () => T | Promise<T>, done: (value: T) => boolean, intervalMs = 50): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await sleep(intervalMs);
  }
}

/** Resolves once `check` holds; `until` for a plain condition. */
export async function waitFor(check: () => boolean | Promise<boolean>, intervalMs = 10): Promise<void> {
  await until(check, (ok) => ok, intervalMs);
}
