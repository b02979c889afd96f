import { expect, it } from 'vitest';
import type { CurrentStore } from './fixtures.contract.js';

/** A time `seconds` after a fixed origin, ISO as the store keeps it. */
const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();
const ask = (holder: string, now: number, ttl = 10) => ({ name: 'sensors', holder, now: at(now), expiresAt: at(now + ttl) });

/** Leases: one live holding at a time, taken and kept by compare-and-set, each holding a new term. */
export function leasesContract(current: CurrentStore): void {
  it('gives a free lease to the first asker and refuses others while it is live', async () => {
    const store = current();
    expect(await store.leases.get('sensors')).toBeUndefined();
    const first = await store.leases.acquire(ask('a', 0));
    expect(first).toEqual({ name: 'sensors', holder: 'a', term: 1, expiresAt: at(10), acquiredAt: at(0), renewedAt: at(0) });
    expect(await store.leases.acquire(ask('b', 5))).toBeUndefined();
    // The holder asking again keeps its holding and term; the lease runs on from now.
    expect(await store.leases.acquire(ask('a', 6))).toMatchObject({ holder: 'a', term: 1, acquiredAt: at(0), expiresAt: at(16) });
    expect(await store.leases.get('sensors')).toMatchObject({ holder: 'a', term: 1, renewedAt: at(6) });
  });

  it('passes an expired lease to the next asker with a higher term, and the old holder can no longer renew', async () => {
    const store = current();
    await store.leases.acquire(ask('a', 0));
    expect(await store.leases.renew({ ...ask('a', 3), term: 1 })).toMatchObject({ term: 1, expiresAt: at(13) });
    expect(await store.leases.acquire(ask('b', 12))).toBeUndefined();
    const taken = await store.leases.acquire(ask('b', 13));
    expect(taken).toMatchObject({ holder: 'b', term: 2, acquiredAt: at(13) });
    expect(await store.leases.renew({ ...ask('a', 13), term: 1 })).toBeUndefined();
    expect(await store.leases.renew({ ...ask('b', 14), term: 1 })).toBeUndefined();
    // Even the same holder starts a new term once its holding lapsed: the gap had no leader.
    expect(await store.leases.acquire(ask('b', 30))).toMatchObject({ holder: 'b', term: 3 });
  });

  it('does not renew a holding that expired, even for its holder', async () => {
    const store = current();
    await store.leases.acquire(ask('a', 0));
    expect(await store.leases.renew({ ...ask('a', 10), term: 1 })).toBeUndefined();
  });

  it('releases only the live holding of its holder, so a standby takes over at once', async () => {
    const store = current();
    await store.leases.acquire(ask('a', 0));
    expect(await store.leases.release('sensors', 'b', 1, at(1))).toBe(false);
    expect(await store.leases.release('sensors', 'a', 2, at(1))).toBe(false);
    expect(await store.leases.release('sensors', 'a', 1, at(1))).toBe(true);
    expect(await store.leases.release('sensors', 'a', 1, at(2))).toBe(false);
    expect(await store.leases.acquire(ask('b', 2))).toMatchObject({ holder: 'b', term: 2 });
  });

  it('lets exactly one of many simultaneous askers take a free or expired lease', async () => {
    const store = current();
    const holders = ['a', 'b', 'c', 'd', 'e', 'f'];
    const first = await Promise.all(holders.map((holder) => store.leases.acquire(ask(holder, 0))));
    expect(first.filter(Boolean)).toHaveLength(1);
    const second = await Promise.all(holders.map((holder) => store.leases.acquire(ask(holder, 20))));
    const winners = second.filter(Boolean);
    expect(winners.map((lease) => lease?.term)).toEqual([2]);
    expect((await store.leases.get('sensors'))?.holder).toBe(winners[0]?.holder);
  });
}
