import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import { until } from '../../test/support/wait.js';
import type { SensorReportRepository, Store } from '../store/index.js';
import { type ReportSource, SensorReporter } from './sensor-reporter.js';
import type { SensorLogEntry, SensorStatus } from './sensor-types.js';

const log = pino({ level: 'silent' });

/** A sensor's process as the reporter reads it: a status and a log to change at will. */
class FakeProcess implements ReportSource {
  state: SensorStatus['state'] = 'starting';
  readonly lines: SensorLogEntry[] = [];
  status(): SensorStatus {
    return { ref: 'p.s', state: this.state, pid: 7, restarts: 0, consecutiveFailures: 0, lastExit: null, nextRestartAt: null, instances: 1, inProcess: false };
  }
  logs(limit?: number): readonly SensorLogEntry[] {
    return this.lines.slice(-(limit ?? this.lines.length));
  }
  add(line: string): void {
    this.lines.push({ at: new Date().toISOString(), stream: 'stderr', line });
  }
}

/** The repository, counting the writes that reach it. */
function counting(reports: SensorReportRepository) {
  const writes = { status: 0, logs: 0 };
  const repository: SensorReportRepository = {
    saveStatus: (report) => ((writes.status += 1), reports.saveStatus(report)),
    saveLogs: (ref, term, lines) => ((writes.logs += 1), reports.saveLogs(ref, term, lines)),
    get: (ref) => reports.get(ref),
    list: () => reports.list(),
    logsOf: (ref) => reports.logsOf(ref),
  };
  return { repository, writes };
}

describe('SensorReporter', () => {
  let dir: string;
  let store: Store;
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-reporter-'));
    store = await openSqliteStore(path.join(dir, 'attune.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the latest status at each change, coalescing changes made while a write is under way', async () => {
    const { repository, writes } = counting(store.sensorReports);
    const reporter = new SensorReporter({ reports: repository, service: 'svc-1', term: 2, log });
    const proc = new FakeProcess();
    reporter.statusChanged('p.s', proc);
    proc.state = 'running';
    reporter.statusChanged('p.s', proc); // queued behind the first: one more write, at most
    proc.state = 'backoff';
    reporter.statusChanged('p.s', proc);
    await reporter.flush();
    expect(await store.sensorReports.get('p.s')).toMatchObject({ state: 'backoff', pid: 7, service: 'svc-1', term: 2 });
    expect(writes.status).toBeLessThanOrEqual(2);
  });

  it('writes log lines in batches, at most once per interval, and the last ones on flush', async () => {
    const { repository, writes } = counting(store.sensorReports);
    const reporter = new SensorReporter({ reports: repository, service: 'svc-1', term: 1, log, logLines: 3, logIntervalMs: 200 });
    const proc = new FakeProcess();
    reporter.statusChanged('p.s', proc);
    for (let i = 1; i <= 500; i += 1) {
      proc.add(`line ${i}`);
      reporter.linesAdded('p.s', proc);
    }
    await until(() => store.sensorReports.logsOf('p.s'), (lines) => (lines ?? []).length > 0);
    expect((await store.sensorReports.logsOf('p.s'))?.map((l) => l.line)).toEqual(['line 498', 'line 499', 'line 500']);
    expect(writes.logs).toBe(1);
    proc.add('line 501');
    reporter.linesAdded('p.s', proc); // within the interval: waits for its timer…
    expect(writes.logs).toBe(1);
    await reporter.flush(); // …or the flush, whichever comes first
    expect((await store.sensorReports.logsOf('p.s'))?.map((l) => l.line)).toEqual(['line 499', 'line 500', 'line 501']);
    expect(writes.logs).toBe(2);
  });

  it('logs a failed write and goes on', async () => {
    const failing: SensorReportRepository = { ...store.sensorReports, saveStatus: () => Promise.reject(new Error('database gone')) };
    const warnings: string[] = [];
    const reporter = new SensorReporter({
      reports: failing,
      service: 'svc-1',
      term: 1,
      log: { warn: (_: unknown, message: string) => warnings.push(message) } as unknown as typeof log,
    });
    reporter.statusChanged('p.s', new FakeProcess());
    await reporter.flush();
    expect(warnings).toEqual(['could not write the sensor status to the database']);
  });
});
