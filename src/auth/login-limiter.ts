/**
 * Failed logins counted per login and per client address in a sliding window. Past the limit,
 * further attempts are refused (429) until the oldest failure leaves the window — before the
 * password is even checked, so guessing costs the attacker time, not the server CPU.
 * In memory: a restart forgets, and each API process counts its own.
 */
export class LoginLimiter {
  readonly #maxPerLogin: number;
  readonly #maxPerAddress: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #failures = new Map<string, number[]>();

  constructor(options: { readonly maxFailures: number; readonly windowSeconds: number; readonly now?: () => number }) {
    this.#maxPerLogin = options.maxFailures;
    // An address may fail for several logins (a shared NAT, a typo'd script) before it is one attacker.
    this.#maxPerAddress = options.maxFailures * 4;
    this.#windowMs = options.windowSeconds * 1000;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds to wait before `login` may be tried from `address`, or 0. */
  retryAfter(login: string, address: string): number {
    const now = this.#now();
    const wait = Math.max(this.#waitFor(`login:${login}`, this.#maxPerLogin, now), this.#waitFor(`addr:${address}`, this.#maxPerAddress, now));
    return Math.ceil(wait / 1000);
  }

  recordFailure(login: string, address: string): void {
    const now = this.#now();
    for (const key of [`login:${login}`, `addr:${address}`]) this.#failures.set(key, [...this.#recent(key, now), now]);
  }

  /** A successful login clears its login's count (not the address's). */
  recordSuccess(login: string): void {
    this.#failures.delete(`login:${login}`);
  }

  #waitFor(key: string, max: number, now: number): number {
    const recent = this.#recent(key, now);
    if (recent.length < max) return 0;
    return (recent[recent.length - max] ?? now) + this.#windowMs - now;
  }

  #recent(key: string, now: number): number[] {
    const kept = (this.#failures.get(key) ?? []).filter((at) => at > now - this.#windowMs);
    if (kept.length === 0) this.#failures.delete(key);
    else this.#failures.set(key, kept);
    return kept;
  }
}
