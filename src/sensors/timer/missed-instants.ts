import { nextCronInstant } from './cron.js';
import { parseTimerInstance } from './instances.js';
import { intervalInstant } from './interval.js';

/** Instants of one timer that no sensor ran to fire: how many, the first and the last. */
export interface MissedInstants {
  readonly count: number;
  readonly first: number | undefined;
  readonly last: number | undefined;
}

const NONE: MissedInstants = { count: 0, first: undefined, last: undefined };
/** Cron instants are counted one by one; past this many the count says "at least". */
const CRON_COUNT_CAP = 10_000;

/**
 * The instants of a trigger instance (as the sensor service hands it to the timer sensor) after
 * `after` and up to `until` (ms): when a sensor leader takes over, those between the old
 * leader's last fire and the takeover, which the new leader's timers do not fire (they start at
 * the first instant ahead, on the same grid). A datetime timer fires late itself, so it has none.
 */
export function missedInstants(rawInstance: unknown, after: number, until: number): MissedInstants {
  const parsed = parseTimerInstance(rawInstance);
  if (!parsed.ok || until <= after) return NONE;
  const instance = parsed.value;
  if (instance.ref === 'core.intervaltimer') {
    const anchor = instance.anchorAt ?? after;
    const { periodMs } = instance.spec;
    const firstK = Math.max(1, Math.floor((after - anchor) / periodMs) + 1);
    const lastK = Math.floor((until - anchor) / periodMs);
    if (lastK < firstK) return NONE;
    return { count: lastK - firstK + 1, first: intervalInstant(anchor, periodMs, firstK), last: intervalInstant(anchor, periodMs, lastK) };
  }
  if (instance.ref === 'core.crontimer') {
    let count = 0;
    let first: number | undefined;
    let last: number | undefined;
    for (let at = nextCronInstant(instance.spec, after); at !== undefined && at <= until && count < CRON_COUNT_CAP; at = nextCronInstant(instance.spec, at)) {
      first ??= at;
      last = at;
      count++;
    }
    return { count, first, last };
  }
  return NONE;
}
