import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { escalateSignals, type SignalTarget, STOP_SIGNALS } from './escalate-signals.js';

/** A process that records the signals it gets and exits when told to, or on the one signal named. */
function scriptedProcess(exitsOn?: NodeJS.Signals): SignalTarget & { readonly received: NodeJS.Signals[]; exit(): void } {
  let resolveExit: () => void = () => undefined;
  const exited = new Promise<void>((resolve) => (resolveExit = resolve));
  let hasExited = false;
  const received: NodeJS.Signals[] = [];
  const exit = (): void => {
    hasExited = true;
    resolveExit();
  };
  return {
    received,
    exit,
    exited,
    get hasExited() {
      return hasExited;
    },
    signal(signal) {
      received.push(signal);
      if (signal === exitsOn || signal === 'SIGKILL') exit();
    },
  };
}

describe('escalateSignals', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('sends each next signal one step after the one before, while the process lives', async () => {
    const target = scriptedProcess();
    const stopped = escalateSignals(target, ['SIGINT', 'SIGTERM', 'SIGKILL'], 1000);
    expect(target.received).toEqual(['SIGINT']);
    await vi.advanceTimersByTimeAsync(999);
    expect(target.received).toEqual(['SIGINT']);
    await vi.advanceTimersByTimeAsync(1);
    expect(target.received).toEqual(['SIGINT', 'SIGTERM']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(target.received).toEqual(['SIGINT', 'SIGTERM', 'SIGKILL']);
    await stopped;
  });

  it('sends nothing more once the process has exited, and leaves no timer behind', async () => {
    const target = scriptedProcess('SIGTERM');
    await escalateSignals(target, STOP_SIGNALS, 1000);
    expect(vi.getTimerCount()).toBe(0);
    await vi.runAllTimersAsync();
    expect(target.received).toEqual(['SIGTERM']);
  });

  it('drops the pending signals of a process that exits on its own meanwhile', async () => {
    const target = scriptedProcess();
    const stopped = escalateSignals(target, STOP_SIGNALS, 1000);
    target.exit();
    await stopped;
    await vi.runAllTimersAsync();
    expect(target.received).toEqual(['SIGTERM']);
  });

  it('does nothing to a process that has already exited', async () => {
    const target = scriptedProcess();
    target.exit();
    await escalateSignals(target, STOP_SIGNALS, 1000);
    expect(target.received).toEqual([]);
  });

  it('counts a process beyond reach (its exit rejected) as exited', async () => {
    const target = { ...scriptedProcess(), exited: Promise.reject(new Error('the spawner process exited')) };
    await expect(escalateSignals(target, STOP_SIGNALS, 1000)).resolves.toBeUndefined();
    expect(vi.getTimerCount()).toBe(0);
  });
});
