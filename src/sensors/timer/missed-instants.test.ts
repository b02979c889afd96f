import { describe, expect, it } from 'vitest';
import { missedInstants } from './missed-instants.js';

const T0 = Date.UTC(2030, 0, 1);
const iso = (ms: number) => new Date(ms).toISOString();

describe('missedInstants', () => {
  const interval = { id: 1, ref: 'core.intervaltimer', config: { unit: 'seconds', interval: 1 }, anchor_at: iso(T0) };

  it('counts the interval instants on the rule grid after the last fire, up to the takeover', () => {
    // Last fire at T0+3s; the takeover at T0+7.5s: 4, 5, 6 and 7 s were not fired.
    expect(missedInstants(interval, T0 + 3000, T0 + 7500)).toEqual({ count: 4, first: T0 + 4000, last: T0 + 7000 });
  });

  it('counts an instant exactly at the takeover as missed (the new timers start strictly after it)', () => {
    expect(missedInstants(interval, T0 + 3000, T0 + 5000)).toEqual({ count: 2, first: T0 + 4000, last: T0 + 5000 });
  });

  it('finds none when the takeover came before the next instant', () => {
    expect(missedInstants(interval, T0 + 3000, T0 + 3900).count).toBe(0);
  });

  it('never counts the anchor itself: an interval first fires one period after it', () => {
    expect(missedInstants(interval, T0 - 5000, T0 + 1500)).toEqual({ count: 1, first: T0 + 1000, last: T0 + 1000 });
  });

  it('counts cron instants one by one', () => {
    const cron = { id: 2, ref: 'core.crontimer', config: { expression: '*/10 * * * * *' } };
    expect(missedInstants(cron, T0, T0 + 35_000)).toEqual({ count: 3, first: T0 + 10_000, last: T0 + 30_000 });
  });

  it('has none for a datetime timer (it fires late itself) or an invalid instance', () => {
    expect(missedInstants({ id: 3, ref: 'core.datetimetimer', config: { fire_at: iso(T0 + 1000) } }, T0, T0 + 5000).count).toBe(0);
    expect(missedInstants({ id: 4, ref: 'core.intervaltimer', config: {} }, T0, T0 + 5000).count).toBe(0);
  });
});
