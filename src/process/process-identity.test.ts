import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createCell, detectContainment, identifyProcess, killOrphanedProcess, launchInCell } from './index.js';
import { isAlive } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';

const exited = (child: ReturnType<typeof spawn>) => new Promise((resolve) => child.once('exit', resolve));

describe.runIf(process.platform === 'linux')('process identity', () => {
  it('kills an orphaned action’s group only when the very same process still runs', async () => {
    const child = spawn('sleep', ['30'], { detached: true, stdio: 'ignore' });
    const pid = child.pid as number;
    const identity = identifyProcess(pid);
    expect(identity).toMatchObject({ pid });
    // A reused pid has another start time: it must be left alone.
    expect(killOrphanedProcess({ ...(identity as NonNullable<typeof identity>), start: '1' })).toBe(false);
    expect(child.exitCode).toBeNull();
    const gone = exited(child);
    expect(killOrphanedProcess(identity as NonNullable<typeof identity>)).toBe(true);
    await gone;
    expect(child.signalCode).toBe('SIGKILL');
  });

  it('knows no identity for a process that is gone', async () => {
    const child = spawn('true', { stdio: 'ignore' });
    const pid = child.pid as number;
    await exited(child);
    expect(identifyProcess(pid)).toBeUndefined();
  });

  it('ends what an orphan started in its cell even after the orphan itself is gone', async () => {
    const detected = detectContainment('auto');
    if (!('containment' in detected) || detected.containment.kind === 'none') throw new Error('no containment works here, not even the environment marker: this test needs one');
    const cell = createCell(detected.containment, 'orphan');
    const launch = launchInCell(cell, { command: 'sh', args: ['-c', 'setsid sleep 30 </dev/null >/dev/null 2>&1 & echo $!'], cwd: '/', env: { PATH: '/usr/bin:/bin' } });
    const child = spawn(launch.command, [...launch.args], { env: launch.env, stdio: ['ignore', 'pipe', 'ignore'] });
    const identity = identifyProcess(child.pid as number);
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await exited(child);
    const escapee = Number(output.trim());
    expect(isAlive(escapee)).toBe(true);
    expect(killOrphanedProcess({ ...(identity as NonNullable<typeof identity>), ...(cell ? { cell } : {}) })).toBe(true);
    await waitFor(() => !isAlive(escapee));
  });
});
