import type { Logger } from 'pino';
import type { Lease, LeaseRepository } from '../store/index.js';

/** The lease the sensor services hold in turn (DESIGN §2: one runs the sensors at a time). */
export const SENSOR_LEASE = 'sensors';

/** What the leader runs: started when it wins the lease, stopped at once when it loses it. */
export interface LeaderWork {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SensorLeadershipOptions {
  readonly leases: LeaseRepository;
  /** Unique per process: host, pid and a random part. */
  readonly holder: string;
  /** How long a holding lasts unless renewed (`sensors.lease_ms`); renewed every third of it. */
  readonly leaseMs: number;
  readonly work: LeaderWork;
  readonly log: Logger;
  /**
   * The only process on its database (SQLite, embedded): it leads from start to stop, with no
   * lease to renew, so a slow disk can never stop its sensors.
   */
  readonly isSoleProcess?: boolean;
  /** The clock lease times are read from (tests); Date.now by default. */
  readonly now?: () => number;
}

/**
 * Leader election of the sensor services through a lease in the database (issue 8 item 5). Every
 * sensor service runs one: it tries to take the lease `sensors` every third of `leaseMs`; the
 * holder renews it as often, and runs the sensors only while it holds it. A leader stops its
 * sensors the moment a renewal is refused, or when its own deadline (the time it asked for the
 * last renewal + five sixths of `leaseMs`) passes without a renewal — before any standby may take
 * the lease, since a standby waits for its expiry (that time + `leaseMs`). So two leaders never run at once; when the leader
 * dies (kill -9) a standby takes over within `leaseMs` + a third of it.
 */
export class SensorLeadership {
  readonly #options: SensorLeadershipOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  #lease: Lease | undefined;
  #timer: NodeJS.Timeout | undefined;
  #deadline: NodeJS.Timeout | undefined;
  #ticking: Promise<void> = Promise.resolve();
  /** Starts and stops of the work, one at a time and in order. */
  #transition: Promise<void> = Promise.resolve();
  #isLeading = false;
  #isStopped = true;

  constructor(options: SensorLeadershipOptions) {
    this.#options = options;
    this.#log = options.log.child({ svc: 'sensor-leader', holder: options.holder });
    this.#now = options.now ?? Date.now;
  }

  /** Whether this process runs the sensors now. */
  get isLeading(): boolean {
    return this.#isLeading;
  }

  /** The fencing term of the holding this process leads in, while it leads. */
  get term(): number | undefined {
    return this.#isLeading ? (this.#lease?.term ?? 0) : undefined;
  }

  /** Takes part in the election; resolves after the first attempt (and the work's start, when it won). */
  async start(): Promise<void> {
    this.#isStopped = false;
    if (this.#options.isSoleProcess) {
      this.#elect();
    } else {
      await this.#tick();
      this.#arm();
    }
    await this.#transition;
  }

  /** Stops the work, then gives the lease up so a standby takes over at once. */
  async stop(): Promise<void> {
    this.#isStopped = true;
    clearTimeout(this.#timer);
    await this.#ticking;
    this.#depose('stopping', 'info');
    await this.#transition;
    const lease = this.#lease;
    this.#lease = undefined;
    if (lease) await this.#options.leases.release(SENSOR_LEASE, lease.holder, lease.term, new Date(this.#now()).toISOString());
  }

  #arm(): void {
    if (this.#isStopped) return;
    this.#timer = setTimeout(() => {
      this.#ticking = this.#tick().finally(() => this.#arm());
    }, this.#options.leaseMs / 3);
    this.#timer.unref();
  }

  async #tick(): Promise<void> {
    const askedAt = this.#now();
    const request = { name: SENSOR_LEASE, holder: this.#options.holder, now: new Date(askedAt).toISOString(), expiresAt: new Date(askedAt + this.#options.leaseMs).toISOString() };
    try {
      const { leases } = this.#options;
      const lease = this.#isLeading && this.#lease ? await leases.renew({ ...request, term: this.#lease.term }) : await leases.acquire(request);
      if (this.#isStopped) return;
      if (lease === undefined) {
        this.#depose('the lease is held by another sensor service');
        return;
      }
      this.#lease = lease;
      // A margin of a sixth of the lease before it expires for the others: the sensors stop in it,
      // and it absorbs the skew between this host's clock and a standby's.
      this.#keepUntil(askedAt + (this.#options.leaseMs * 5) / 6);
      if (!this.#isLeading) this.#elect();
    } catch (err) {
      // The database cannot be reached: a leader keeps leading until its own deadline (see #keepUntil).
      this.#log.warn({ err }, 'could not reach the sensor lease');
    }
  }

  /** Deposes this leader at `deadline` unless a renewal comes first. */
  #keepUntil(deadline: number): void {
    clearTimeout(this.#deadline);
    this.#deadline = setTimeout(() => this.#depose('the lease was not renewed in time'), Math.max(0, deadline - this.#now()));
    this.#deadline.unref();
  }

  #elect(): void {
    this.#isLeading = true;
    this.#log.info({ term: this.#lease?.term }, 'this sensor service leads: starting the sensors');
    this.#queue(() => this.#options.work.start());
  }

  #depose(reason: string, level: 'info' | 'warn' = 'warn'): void {
    clearTimeout(this.#deadline);
    if (!this.#isLeading) return;
    this.#isLeading = false;
    this.#log[level]({ term: this.#lease?.term, reason }, 'this sensor service no longer leads: stopping the sensors');
    this.#queue(() => this.#options.work.stop());
  }

  #queue(step: () => Promise<void>): void {
    this.#transition = this.#transition.then(step).catch((err: unknown) => {
      // The next election or deposition runs on: a failed start leaves sensors the service restarts itself.
      this.#log.error({ err }, 'sensor leadership change failed');
    });
  }
}
