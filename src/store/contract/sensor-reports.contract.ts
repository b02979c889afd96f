import { expect, it } from 'vitest';
import type { SensorReport } from '../store-types.js';
import type { CurrentStore } from './fixtures.contract.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();

function report(overrides: Partial<SensorReport> = {}): SensorReport {
  return {
    ref: 'core.timer',
    state: 'running',
    pid: 4242,
    restarts: 1,
    consecutiveFailures: 0,
    lastExit: { code: 1, signal: null, at: at(1) },
    nextRestartAt: null,
    instances: 2,
    inProcess: false,
    service: 'sens1-10-abcd',
    term: 3,
    updatedAt: at(2),
    ...overrides,
  };
}

/** Sensor reports: the status and log lines a sensor service writes, fenced by its lease term. */
export function sensorReportsContract(current: CurrentStore): void {
  it('stores a status, replaces it with a newer one, and keeps the log lines apart', async () => {
    const store = current();
    expect(await store.sensorReports.get('core.timer')).toBeUndefined();
    expect(await store.sensorReports.logsOf('core.timer')).toBeUndefined();
    expect(await store.sensorReports.saveStatus(report())).toBe(true);
    expect(await store.sensorReports.get('core.timer')).toEqual(report());
    expect(await store.sensorReports.logsOf('core.timer')).toEqual([]);
    const lines = [
      { at: at(3), stream: 'attune', line: 'started pid 4242' },
      { at: at(4), stream: 'stderr', line: 'tick "quoted" \\ ✓' },
    ];
    expect(await store.sensorReports.saveLogs('core.timer', 3, lines)).toBe(true);
    const stopped = report({ state: 'stopped', pid: null, lastExit: null, nextRestartAt: at(9), inProcess: true, updatedAt: at(5) });
    expect(await store.sensorReports.saveStatus(stopped)).toBe(true);
    expect(await store.sensorReports.get('core.timer')).toEqual(stopped);
    expect(await store.sensorReports.logsOf('core.timer')).toEqual(lines);
  });

  it('refuses a report or log lines of an older term than the stored one', async () => {
    const store = current();
    await store.sensorReports.saveStatus(report({ service: 'new', term: 4 }));
    expect(await store.sensorReports.saveStatus(report({ service: 'old', term: 3, state: 'stopped' }))).toBe(false);
    expect(await store.sensorReports.get('core.timer')).toMatchObject({ service: 'new', term: 4, state: 'running' });
    expect(await store.sensorReports.saveLogs('core.timer', 3, [{ at: at(1), stream: 'stderr', line: 'late' }])).toBe(false);
    expect(await store.sensorReports.logsOf('core.timer')).toEqual([]);
    expect(await store.sensorReports.saveLogs('other.sensor', 9, [])).toBe(false);
  });

  it('lists every report by ref', async () => {
    const store = current();
    await store.sensorReports.saveStatus(report({ ref: 'b.sensor' }));
    await store.sensorReports.saveStatus(report({ ref: 'a.sensor', state: 'backoff' }));
    expect((await store.sensorReports.list()).map((r) => [r.ref, r.state])).toEqual([
      ['a.sensor', 'backoff'],
      ['b.sensor', 'running'],
    ]);
  });
}
