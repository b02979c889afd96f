/** The restart delay after the `failures`-th consecutive failure: base, doubling, capped (DESIGN §4: 5 s to 300 s). */
export function restartDelayMs(failures: number, baseMs: number, maxMs: number): number {
  return Math.min(baseMs * 2 ** Math.max(0, failures - 1), maxMs);
}
