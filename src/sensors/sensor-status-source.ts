import type { Lease, SensorReport, Store } from '../store/index.js';
import { SENSOR_LEASE } from './sensor-leadership.js';
import type { SensorService } from './sensor-service.js';
import type { SensorLogEntry, SensorLogStream, SensorState, SensorStatus } from './sensor-types.js';

/** A sensor's status as an API shows it: with who reported it and when, when it came from the database. */
export interface SensorStatusView extends SensorStatus {
  /** The sensor service that reported it (its lease holder name); null when this process runs the sensors. */
  readonly service: string | null;
  /** When that service was last known alive (its last report or lease renewal); null when this process runs the sensors. */
  readonly seenAt: string | null;
}

/** Where the API reads the sensors' process status and logs (`GET /sensors…`). */
export interface SensorStatusSource {
  /** Every sensor with a status, by ref; a sensor missing has no process (stopped). */
  statuses(): Promise<ReadonlyMap<string, SensorStatusView>>;
  statusOf(ref: string): Promise<SensorStatusView | undefined>;
  /** The newest `limit` log lines, oldest first; undefined when there are none to show. */
  logs(ref: string, limit?: number): Promise<readonly SensorLogEntry[] | undefined>;
}

/** The embedded mode: the sensor service of this process, read from memory. */
export function localSensorStatus(sensors: Pick<SensorService, 'status' | 'statusOf' | 'logs'>): SensorStatusSource {
  const view = (status: SensorStatus): SensorStatusView => ({ ...status, service: null, seenAt: null });
  return {
    statuses: () => Promise.resolve(new Map(sensors.status().map((s) => [s.ref, view(s)]))),
    statusOf: (ref) => {
      const status = sensors.statusOf(ref);
      return Promise.resolve(status === undefined ? undefined : view(status));
    },
    logs: (ref, limit) => Promise.resolve(sensors.logs(ref, limit)),
  };
}

/**
 * The distributed mode: what the sensor services reported to the database (issue 8). A report
 * is believed only while its service holds the `sensors` lease in the term it reported in; else
 * that service is gone or deposed, and the sensor shows `stopped`, with when it was last seen.
 */
export class StoredSensorStatus implements SensorStatusSource {
  readonly #store: Pick<Store, 'sensorReports' | 'leases'>;
  readonly #now: () => number;

  constructor(store: Pick<Store, 'sensorReports' | 'leases'>, now: () => number = Date.now) {
    this.#store = store;
    this.#now = now;
  }

  async statuses(): Promise<ReadonlyMap<string, SensorStatusView>> {
    const [reports, lease] = await Promise.all([this.#store.sensorReports.list(), this.#store.leases.get(SENSOR_LEASE)]);
    return new Map(reports.map((report) => [report.ref, this.#view(report, lease)]));
  }

  async statusOf(ref: string): Promise<SensorStatusView | undefined> {
    const [report, lease] = await Promise.all([this.#store.sensorReports.get(ref), this.#store.leases.get(SENSOR_LEASE)]);
    return report === undefined ? undefined : this.#view(report, lease);
  }

  async logs(ref: string, limit?: number): Promise<readonly SensorLogEntry[] | undefined> {
    const lines = await this.#store.sensorReports.logsOf(ref);
    if (lines === undefined) return undefined;
    const kept = limit === undefined ? lines : lines.slice(Math.max(0, lines.length - limit));
    return kept.map((entry) => ({ at: entry.at, stream: entry.stream as SensorLogStream, line: entry.line }));
  }

  #view(report: SensorReport, lease: Lease | undefined): SensorStatusView {
    const isReporterLease = lease !== undefined && lease.holder === report.service && lease.term === report.term;
    const seenAt = isReporterLease && lease.renewedAt > report.updatedAt ? lease.renewedAt : report.updatedAt;
    const status: SensorStatusView = {
      ref: report.ref,
      state: report.state as SensorState,
      pid: report.pid,
      restarts: report.restarts,
      consecutiveFailures: report.consecutiveFailures,
      lastExit: report.lastExit,
      nextRestartAt: report.nextRestartAt,
      instances: report.instances,
      inProcess: report.inProcess,
      service: report.service,
      seenAt,
    };
    const isAlive = isReporterLease && Date.parse(lease.expiresAt) > this.#now();
    // Its service is gone: nothing runs the sensor now, whatever it last said.
    return isAlive ? status : { ...status, state: 'stopped', pid: null, nextRestartAt: null };
  }
}
