import type { Logger } from 'pino';
import type { SensorReportRepository } from '../store/index.js';
import type { SensorLogEntry, SensorStatus } from './sensor-types.js';

/** What a report is read from: a supervised sensor's process. */
export interface ReportSource {
  status(): SensorStatus;
  logs(limit?: number): readonly SensorLogEntry[];
}

export interface SensorReporterOptions {
  readonly reports: SensorReportRepository;
  /** The reporting sensor service: its name as holder of the `sensors` lease. */
  readonly service: string;
  /** The lease term it leads in. */
  readonly term: number;
  readonly log: Logger;
  /** Log lines kept in a report (default 200). */
  readonly logLines?: number;
  /** Least time between two writes of one sensor's log lines (default 1000). */
  readonly logIntervalMs?: number;
}

interface Pending {
  readonly ref: string;
  source: ReportSource;
  isStatusDue: boolean;
  hasNewLines: boolean;
  timer: NodeJS.Timeout | undefined;
  lastLogsAt: number;
  /** This sensor's writes, one at a time and in order. */
  writing: Promise<void>;
}

/**
 * Writes what a sensor service runs into the database (issue 8), so an API in another process can
 * show it: a sensor's status at each change, and its recent log lines at most once per
 * `logIntervalMs` while lines arrive (never a write per line). Writes of one sensor are queued
 * one after the other, and changes that pile up meanwhile go in one write of the latest status.
 * A failed write is logged; the sensors run on.
 */
export class SensorReporter {
  readonly #options: SensorReporterOptions;
  readonly #logLines: number;
  readonly #logIntervalMs: number;
  readonly #pending = new Map<string, Pending>();

  constructor(options: SensorReporterOptions) {
    this.#options = options;
    this.#logLines = options.logLines ?? 200;
    this.#logIntervalMs = options.logIntervalMs ?? 1000;
  }

  statusChanged(ref: string, source: ReportSource): void {
    const pending = this.#pendingOf(ref, source);
    if (pending.isStatusDue) return; // a write is queued already: it reads the status when it runs
    pending.isStatusDue = true;
    this.#queueWrite(pending);
  }

  linesAdded(ref: string, source: ReportSource): void {
    const pending = this.#pendingOf(ref, source);
    pending.hasNewLines = true;
    if (pending.timer !== undefined) return;
    const wait = Math.max(0, pending.lastLogsAt + this.#logIntervalMs - Date.now());
    pending.timer = setTimeout(() => {
      pending.timer = undefined;
      this.#queueWrite(pending);
    }, wait);
    pending.timer.unref();
  }

  /** Writes every change not yet written, log lines too, and resolves once all writes settled. */
  async flush(): Promise<void> {
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.timer = undefined;
      this.#queueWrite(pending);
    }
    await Promise.all([...this.#pending.values()].map((p) => p.writing));
  }

  #pendingOf(ref: string, source: ReportSource): Pending {
    let pending = this.#pending.get(ref);
    if (pending === undefined) {
      pending = { ref, source, isStatusDue: false, hasNewLines: false, timer: undefined, lastLogsAt: 0, writing: Promise.resolve() };
      this.#pending.set(ref, pending);
    }
    pending.source = source;
    return pending;
  }

  #queueWrite(pending: Pending): void {
    pending.writing = pending.writing.then(() => this.#write(pending));
  }

  async #write(pending: Pending): Promise<void> {
    const { reports, service, term, log } = this.#options;
    try {
      if (pending.isStatusDue) {
        pending.isStatusDue = false;
        const status = pending.source.status();
        await reports.saveStatus({ ...status, service, term, updatedAt: new Date().toISOString() });
      }
      // Lines wait for their timer; the status write above made the row they go in.
      if (pending.hasNewLines && pending.timer === undefined) {
        pending.hasNewLines = false;
        pending.lastLogsAt = Date.now();
        await reports.saveLogs(pending.ref, term, pending.source.logs(this.#logLines));
      }
    } catch (err) {
      log.warn({ err, sensorRef: pending.ref }, 'could not write the sensor status to the database');
    }
  }
}
