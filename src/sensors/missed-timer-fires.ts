import type { Logger } from 'pino';
import type { Event, Rule } from '../domain/index.js';
import type { Store } from '../store/index.js';
import { missedInstants } from './timer/missed-instants.js';

const RECURRING_TIMERS = ['core.intervaltimer', 'core.crontimer'];

/**
 * Logs, per interval and cron rule, the instants no sensor service fired: those after the rule's
 * last timer event (or its last change) up to `until`, when the timers start again. They are
 * skipped, not fired late — a recurring timer that woke late skips what it missed too (see
 * timer/interval.ts), and a burst of catch-up fires after a leader change would run the same
 * automation many times at once. A datetime (one-shot) timer is not here: it fires late, once.
 */
export async function logMissedTimerFires(store: Store, log: Logger, until: number): Promise<void> {
  for (const rule of await store.rules.listEnabled(RECURRING_TIMERS)) {
    const page = await store.events.list({ ruleRef: rule.ref, triggerRef: rule.triggerRef, limit: 1, offset: 0 });
    const changed = Date.parse(rule.updated);
    // An event from before the rule's last change belongs to its earlier schedule.
    const after = Math.max(changed, lastScheduledAt(page.items[0]) ?? changed);
    const missed = missedInstants(instanceOf(rule), after, until);
    if (missed.count === 0) continue;
    log.info(
      { ruleRef: rule.ref, triggerRef: rule.triggerRef, skipped: missed.count, first: iso(missed.first), last: iso(missed.last) },
      'timer instants skipped while no sensor service ran them',
    );
  }
}

function instanceOf(rule: Rule): unknown {
  return { id: rule.id, ref: rule.triggerRef, rule_ref: rule.ref, config: rule.triggerParams, anchor_at: rule.updated };
}

function lastScheduledAt(event: Event | undefined): number | undefined {
  const payload = event?.payload as { scheduled_at?: unknown } | undefined;
  const at = typeof payload?.scheduled_at === 'string' ? Date.parse(payload.scheduled_at) : Number.NaN;
  return Number.isNaN(at) ? undefined : at;
}

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
