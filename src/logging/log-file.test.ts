import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FdSink } from './fd-sink.js';
import { LogFile, type LogFileOptions } from './log-file.js';

const note = (count: number, reason: string) => `dropped ${count} (${reason})\n`;

describe('LogFile', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'attune-log-file-'));
    file = path.join(dir, 'test.log');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const make = (options: Partial<LogFileOptions> = {}) => new LogFile({ path: file, maxBytes: 1 << 20, maxFiles: 2, formatDropNote: note, ...options });

  it('appends lines in order to a file only its owner can read, also one an older version left readable', async () => {
    writeFileSync(file, 'old\n', { mode: 0o644 });
    chmodSync(file, 0o644);
    const log = make();
    for (let i = 0; i < 100; i++) log.write(`line ${i}\n`);
    await log.close();
    expect(readFileSync(file, 'utf8')).toBe(`old\n${Array.from({ length: 100 }, (_, i) => `line ${i}\n`).join('')}`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('rotates before the file passes max bytes and keeps max files old ones', async () => {
    const log = make({ maxBytes: 100, maxFiles: 2 });
    const lines = Array.from({ length: 60 }, (_, i) => `line ${String(i).padStart(3, '0')}\n`); // 9 bytes each
    for (const line of lines) log.write(line);
    await log.close();
    expect(readdirSync(dir).sort()).toEqual(['test.log', 'test.log.1', 'test.log.2']);
    const kept = ['test.log.2', 'test.log.1', 'test.log'].map((name) => readFileSync(path.join(dir, name), 'utf8'));
    for (const text of kept) expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100);
    // The files hold the newest lines, whole and in order.
    const joined = kept.join('');
    expect(lines.join('').endsWith(joined)).toBe(true);
    expect(joined.startsWith('line ')).toBe(true);
    for (const name of ['test.log.1', 'test.log.2']) expect(statSync(path.join(dir, name)).mode & 0o777).toBe(0o600);
  });

  it('keeps no old file when max files is 0', async () => {
    const log = make({ maxBytes: 50, maxFiles: 0 });
    for (let i = 0; i < 30; i++) log.write(`line ${i}\n`);
    await log.close();
    expect(readdirSync(dir)).toEqual(['test.log']);
    expect(readFileSync(file, 'utf8').endsWith('line 29\n')).toBe(true);
  });

  it('on a full disk drops and counts lines without throwing, and writes on with a note once space returns', async () => {
    symlinkSync('/dev/full', file); // every write: ENOSPC
    const failures: string[] = [];
    const log = make({ maxQueuedBytes: 64, retryMs: 60_000, onFailure: (err) => failures.push((err as NodeJS.ErrnoException).code ?? '') });
    for (let i = 0; i < 20; i++) expect(log.write(`line ${String(i).padStart(2, '0')}\n`)).toBe(true); // 8 bytes each
    await log.flush();
    await log.flush();
    expect(failures).toEqual(['ENOSPC']); // once per failure streak
    expect(log.droppedLines).toBe(12); // 64 bytes stay queued: 8 lines
    rmSync(file);
    writeFileSync(file, '');
    log.write('after\n');
    await log.close();
    const text = readFileSync(file, 'utf8');
    expect(text).toBe(`${Array.from({ length: 8 }, (_, i) => `line 0${i}\n`).join('')}dropped 12 (ENOSPC)\nafter\n`);
  });

  it('keeps going when its directory is missing, and writes once it exists', async () => {
    const nested = path.join(dir, 'gone', 'x.log');
    const failures: Error[] = [];
    const log = new LogFile({ path: nested, maxBytes: 1000, maxFiles: 1, formatDropNote: note, retryMs: 60_000, onFailure: (e) => failures.push(e) });
    log.write('one\n');
    await log.flush();
    expect(failures).toHaveLength(1);
    mkdirSync(path.join(dir, 'gone'));
    log.write('two\n');
    await log.close();
    expect(readFileSync(nested, 'utf8')).toBe('one\ntwo\n');
  });
});

describe('FdSink', () => {
  it('drops what a full device refuses instead of throwing or retrying', () => {
    const fd = openSync('/dev/full', 'w');
    try {
      const sink = new FdSink(fd, note);
      for (let i = 0; i < 5; i++) expect(sink.write(`line ${i}\n`)).toBe(true);
    } finally {
      closeSync(fd);
    }
    expect(existsSync('/dev/full')).toBe(true);
  });
});
