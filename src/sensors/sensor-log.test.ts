import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SensorLog } from './sensor-log.js';

describe('SensorLog', () => {
  it('keeps the newest lines, oldest first', () => {
    const log = new SensorLog({ capacity: 3, onFileError: () => undefined });
    for (const line of ['a', 'b', 'c', 'd']) log.add('stderr', line);
    expect(log.tail().map((e) => e.line)).toEqual(['b', 'c', 'd']);
    expect(log.tail(2).map((e) => e.line)).toEqual(['c', 'd']);
    expect(log.tail(0)).toEqual([]);
  });

  it('appends lines to the log file and reopens it after close', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-sensor-log-'));
    try {
      const file = join(dir, 'sensor.log');
      const log = new SensorLog({ capacity: 10, file, onFileError: () => undefined });
      log.add('stderr', 'one');
      await log.closeFile();
      log.add('attune', 'two');
      await log.closeFile();
      const lines = (await readFile(file, 'utf8')).trim().split('\n');
      expect(lines.map((l) => l.split(' ').slice(1).join(' '))).toEqual(['stderr one', 'attune two']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports an unwritable file once and keeps logging in memory', async () => {
    const errors: Error[] = [];
    const log = new SensorLog({ capacity: 10, file: '/nonexistent-dir/x.log', onFileError: (e) => errors.push(e) });
    log.add('stderr', 'one');
    await new Promise((resolve) => setTimeout(resolve, 50));
    log.add('stderr', 'two');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(errors).toHaveLength(1);
    expect(log.tail().map((e) => e.line)).toEqual(['one', 'two']);
  });
});
