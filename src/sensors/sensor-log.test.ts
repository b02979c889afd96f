import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
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
    await log.closeFile();
    log.add('stderr', 'two');
    await log.closeFile();
    expect(errors).toHaveLength(1);
    expect(log.tail().map((e) => e.line)).toEqual(['one', 'two']);
  });

  it('escapes control characters in what it keeps and writes, so no escape sequence reaches a terminal', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-sensor-log-'));
    try {
      const file = join(dir, 'sensor.log');
      const log = new SensorLog({ capacity: 10, file, onFileError: () => undefined });
      log.add('stderr', '\u001b[2J\u001b]0;pwned\u0007\rreset\u009b1m');
      await log.closeFile();
      const escaped = '\\u001b[2J\\u001b]0;pwned\\u0007\\u000dreset\\u009b1m';
      expect(log.tail()[0]?.line).toBe(escaped);
      expect((await readFile(file, 'utf8')).trim().split(' ').slice(2).join(' ')).toBe(escaped);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rotates its file at the configured size, keeping the configured number of old files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attune-sensor-log-'));
    try {
      const file = join(dir, 'sensor.log');
      const log = new SensorLog({ capacity: 10, file, fileMaxBytes: 4096, fileMaxFiles: 1, onFileError: () => undefined });
      for (let i = 0; i < 200; i++) log.add('stderr', `line ${i} ${'x'.repeat(80)}`);
      await log.closeFile();
      expect((await readdir(dir)).sort()).toEqual(['sensor.log', 'sensor.log.1']);
      for (const name of ['sensor.log', 'sensor.log.1']) expect((await stat(join(dir, name))).size).toBeLessThanOrEqual(4096);
      expect((await readFile(file, 'utf8')).trim().endsWith(`line 199 ${'x'.repeat(80)}`)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
