import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SensorLedger } from './sensor-ledger.js';

const dir = mkdtempSync(path.join(tmpdir(), 'attune-ledger-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const exited = (child: ReturnType<typeof spawn>) => new Promise((resolve) => child.once('exit', resolve));

describe.runIf(process.platform === 'linux')('SensorLedger', () => {
  it('ends a recorded sensor process that still runs, and forgets it', async () => {
    const ledger = new SensorLedger(path.join(dir, 'a'));
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    ledger.record('pack.sensor', child.pid as number, undefined);
    const gone = exited(child);
    expect(ledger.reapOrphans()).toEqual(['pack.sensor']);
    await gone;
    expect(child.signalCode).toBe('SIGKILL');
    expect(readdirSync(path.join(dir, 'a'))).toEqual([]);
  });

  it('leaves alone a process that merely has the recorded pid (another start time)', async () => {
    const ledgerDir = path.join(dir, 'b');
    const ledger = new SensorLedger(ledgerDir);
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    ledger.record('pack.sensor', child.pid as number, undefined);
    const file = path.join(ledgerDir, 'pack.sensor.json');
    writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), start: '1' }));
    expect(ledger.reapOrphans()).toEqual([]);
    expect(child.exitCode).toBeNull();
    const gone = exited(child);
    child.kill('SIGKILL');
    await gone;
  });

  it('forgets a process once told it ended', () => {
    const ledgerDir = path.join(dir, 'c');
    const ledger = new SensorLedger(ledgerDir);
    ledger.record('pack.sensor', process.pid, undefined);
    ledger.forget('pack.sensor');
    expect(readdirSync(ledgerDir)).toEqual([]);
    expect(ledger.reapOrphans()).toEqual([]);
  });
});
