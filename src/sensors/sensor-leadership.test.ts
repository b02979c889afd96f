import { afterEach, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { describeEachAdapter } from '../../test/support/test-adapters.js';
import { type TwoStores, twoStoreAdapters } from '../../test/support/two-stores.js';
import { until, waitFor } from '../../test/support/wait.js';
import type { LeaseRepository } from '../store/index.js';
import { SENSOR_LEASE, SensorLeadership } from './sensor-leadership.js';

const ADAPTERS = twoStoreAdapters('leader', 2);

const LEASE_MS = 600;
const log = pino({ level: 'silent' });

/** Records every start and stop of the leaders' work, in order, to check that two never overlap. */
class Journal {
  readonly steps: string[] = [];
  running = 0;
  overlapped = false;

  workOf(name: string, leadership: () => SensorLeadership | undefined) {
    return {
      start: () => {
        this.running++;
        if (this.running > 1) this.overlapped = true;
        this.steps.push(`${name} start ${leadership()?.term ?? '?'}`);
        return Promise.resolve();
      },
      stop: () => {
        this.running--;
        this.steps.push(`${name} stop`);
        return Promise.resolve();
      },
    };
  }
}

/** A lease repository that can be made to fail: a leader whose database went away (or that froze). */
function breakable(leases: LeaseRepository): { leases: LeaseRepository; cut(): void } {
  let isCut = false;
  const guard = <T>(call: () => Promise<T>): Promise<T> => (isCut ? Promise.reject(new Error('connection lost')) : call());
  return {
    cut: () => (isCut = true),
    leases: {
      acquire: (request) => guard(() => leases.acquire(request)),
      renew: (request) => guard(() => leases.renew(request)),
      release: (...args) => guard(() => leases.release(...args)),
      get: (name) => guard(() => leases.get(name)),
    },
  };
}

function describeLeadership(name: string, open: () => Promise<TwoStores>): void {
  describe(`${name}: sensor leadership`, () => {
    let views: TwoStores | undefined;
    const started: SensorLeadership[] = [];
    afterEach(async () => {
      for (const leadership of started.splice(0)) await leadership.stop().catch(() => undefined);
      await views?.close();
    });

    const candidate = (holder: string, leases: LeaseRepository, journal: Journal): SensorLeadership => {
      const self: SensorLeadership = new SensorLeadership({ leases, holder, leaseMs: LEASE_MS, log, work: journal.workOf(holder, () => self) });
      started.push(self);
      return self;
    };

    it('lets one candidate lead while the other stands by, and hands over on a clean stop', async () => {
      views = await open();
      const journal = new Journal();
      const a = candidate('a', views.a.leases, journal);
      const b = candidate('b', views.b.leases, journal);
      await a.start();
      await b.start();
      expect({ a: a.isLeading, b: b.isLeading, term: a.term }).toEqual({ a: true, b: false, term: 1 });
      await a.stop();
      await waitFor(() => b.isLeading);
      expect(journal.steps).toEqual(['a start 1', 'a stop', 'b start 2']);
      expect(journal.overlapped).toBe(false);
    });

    it('moves leadership to the standby when the leader stops renewing, never with both leading', async () => {
      views = await open();
      const journal = new Journal();
      const broken = breakable(views.a.leases);
      const a = candidate('a', broken.leases, journal);
      const b = candidate('b', views.b.leases, journal);
      await a.start();
      await b.start();
      let bothLed = false;
      const watch = setInterval(() => (bothLed ||= a.isLeading && b.isLeading), 5);
      broken.cut();
      await until(() => b.term, (term) => term !== undefined);
      clearInterval(watch);
      expect({ a: a.isLeading, b: b.term, bothLed, overlapped: journal.overlapped }).toEqual({ a: false, b: 2, bothLed: false, overlapped: false });
      expect(journal.steps).toEqual(['a start 1', 'a stop', 'b start 2']);
      expect(await views.b.leases.get(SENSOR_LEASE)).toMatchObject({ holder: 'b', term: 2 });
    });
  });
}

describeEachAdapter('sensor leadership', ADAPTERS, describeLeadership);

describe('sensor leadership on a sole process', () => {
  it('leads from start to stop without taking a lease', async () => {
    const leases = breakable({} as LeaseRepository);
    leases.cut(); // any use of the lease would throw
    const journal = new Journal();
    const self: SensorLeadership = new SensorLeadership({ leases: leases.leases, holder: 'solo', leaseMs: LEASE_MS, log, isSoleProcess: true, work: journal.workOf('solo', () => self) });
    await self.start();
    expect(self.isLeading).toBe(true);
    await self.stop();
    expect(journal.steps).toEqual(['solo start 0', 'solo stop']);
  });
});
