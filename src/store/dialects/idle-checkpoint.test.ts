import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { openStore } from '../kysely-store.js';
import { IdleCheckpointer } from './idle-checkpoint.js';
import { sqliteDialect } from './sqlite.js';

describe('IdleCheckpointer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  function world(isIdle = () => true) {
    const checkpoint = vi.fn();
    const checkpointer = new IdleCheckpointer(checkpoint, isIdle, { idleMs: 10, minCommits: 3 });
    return { checkpoint, checkpointer };
  }

  it('checkpoints once commits stop, not while they keep coming', () => {
    const { checkpoint, checkpointer } = world();
    for (let i = 0; i < 20; i++) {
      checkpointer.noteCommit();
      vi.advanceTimersByTime(5);
    }
    expect(checkpoint).not.toHaveBeenCalled();
    vi.advanceTimersByTime(10);
    expect(checkpoint).toHaveBeenCalledTimes(1);
  });

  it('does not checkpoint for a handful of commits', () => {
    const { checkpoint, checkpointer } = world();
    checkpointer.noteCommit();
    checkpointer.noteCommit();
    vi.advanceTimersByTime(100);
    expect(checkpoint).not.toHaveBeenCalled();
    checkpointer.noteCommit();
    vi.advanceTimersByTime(100);
    expect(checkpoint).toHaveBeenCalledTimes(1);
  });

  it('waits while a transaction is open, and stops at close', () => {
    let idle = false;
    const { checkpoint, checkpointer } = world(() => idle);
    for (let i = 0; i < 3; i++) checkpointer.noteCommit();
    vi.advanceTimersByTime(50);
    expect(checkpoint).not.toHaveBeenCalled();
    idle = true;
    vi.advanceTimersByTime(10);
    expect(checkpoint).toHaveBeenCalledTimes(1);
    for (let i = 0; i < 3; i++) checkpointer.noteCommit();
    checkpointer.close();
    vi.advanceTimersByTime(100);
    expect(checkpoint).toHaveBeenCalledTimes(1);
  });
});

describe('the SQLite store between bursts', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(path.join(tmpdir(), 'attune-checkpoint-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('moves its write-ahead log into the database file once idle, without waiting for the log to fill', async () => {
    const file = path.join(dir, 'db.sqlite');
    const store = await openStore(sqliteDialect(file));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the migrations' own checkpoint
    const before = statSync(file).size;
    const padding = 'x'.repeat(2000);
    // One commit each, ~150 pages of log: far below the 1,000 pages of SQLite's automatic checkpoint.
    for (let i = 0; i < 50; i++) await store.executions.create({ actionRef: 'demo.a', parameters: { i, padding } });
    expect(statSync(file).size).toBe(before); // all of it in the log so far
    await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 50 * 2000), { timeout: 2000, interval: 20 });
    await store.close();
  });
});
