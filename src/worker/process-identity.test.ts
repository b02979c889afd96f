import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { identifyProcess, killOrphanedAction } from './process-identity.js';

const exited = (child: ReturnType<typeof spawn>) => new Promise((resolve) => child.once('exit', resolve));

describe.runIf(process.platform === 'linux')('process identity', () => {
  it('kills an orphaned action’s group only when the very same process still runs', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = child.pid as number;
    const identity = identifyProcess(pid);
    expect(identity).toMatchObject({ pid });
    // A reused pid has another start time: it must be left alone.
    expect(killOrphanedAction({ ...(identity as NonNullable<typeof identity>), start: '1' })).toBe(false);
    expect(child.exitCode).toBeNull();
    const gone = exited(child);
    expect(killOrphanedAction(identity as NonNullable<typeof identity>)).toBe(true);
    await gone;
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('knows no identity for a process that is gone', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    const pid = child.pid as number;
    await exited(child);
    expect(identifyProcess(pid)).toBeUndefined();
  });
});
