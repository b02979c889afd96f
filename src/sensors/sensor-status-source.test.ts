import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../test/support/sqlite-store.js';
import type { SensorReport, Store } from '../store/index.js';
import { SENSOR_LEASE } from './sensor-leadership.js';
import { StoredSensorStatus } from './sensor-status-source.js';

const at = (seconds: number) => new Date(Date.UTC(2030, 0, 1) + seconds * 1000).toISOString();

const RUNNING: SensorReport = {
  ref: 'core.timer',
  state: 'running',
  pid: null,
  restarts: 0,
  consecutiveFailures: 0,
  lastExit: null,
  nextRestartAt: null,
  instances: 1,
  inProcess: true,
  service: 'sens1',
  term: 1,
  updatedAt: at(1),
};

describe('StoredSensorStatus', () => {
  let dir: string;
  let store: Store;
  let now = 0;
  const source = () => new StoredSensorStatus(store, () => Date.parse(at(now)));
  beforeEach(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-sensor-status-'));
    store = await openSqliteStore(path.join(dir, 'attune.db'));
    await store.leases.acquire({ name: SENSOR_LEASE, holder: 'sens1', now: at(0), expiresAt: at(10) });
    await store.sensorReports.saveStatus(RUNNING);
    await store.sensorReports.saveLogs('core.timer', 1, [1, 2, 3].map((i) => ({ at: at(i), stream: 'attune', line: `line ${i}` })));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("believes a report while its service holds the lease, seen at the lease's last renewal", async () => {
    now = 5;
    await store.leases.renew({ name: SENSOR_LEASE, holder: 'sens1', term: 1, now: at(4), expiresAt: at(14) });
    expect(await source().statusOf('core.timer')).toMatchObject({ state: 'running', service: 'sens1', seenAt: at(4), instances: 1 });
    expect([...(await source().statuses()).values()]).toMatchObject([{ ref: 'core.timer', state: 'running' }]);
    expect(await source().statusOf('other.sensor')).toBeUndefined();
  });

  it('shows the sensor stopped once the lease of its service expired, or passed to another service', async () => {
    now = 11;
    expect(await source().statusOf('core.timer')).toMatchObject({ state: 'stopped', pid: null, service: 'sens1', seenAt: at(1) });
    await store.leases.acquire({ name: SENSOR_LEASE, holder: 'sens2', now: at(11), expiresAt: at(21) });
    expect((await source().statuses()).get('core.timer')).toMatchObject({ state: 'stopped', service: 'sens1', seenAt: at(1) });
  });

  it('gives the newest log lines, oldest first', async () => {
    expect((await source().logs('core.timer', 2))?.map((l) => l.line)).toEqual(['line 2', 'line 3']);
    expect((await source().logs('core.timer'))?.map((l) => l.line)).toEqual(['line 1', 'line 2', 'line 3']);
    expect(await source().logs('other.sensor')).toBeUndefined();
  });
});
