import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { ProcessCell } from '../domain/index.js';
import { describe, expect, it } from 'vitest';
import { type Containment, createCell, detectContainment, identifyProcess, killOrphanedProcess, launchInCell } from './index.js';
import { isAlive } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';

const exited = (child: ReturnType<typeof spawn>) => new Promise((resolve) => child.once('exit', resolve));

/** A cell as a process that has exited since made it (cell-owner.ts); an environment marker has no maker. */
async function cellOfGoneMaker(containment: Containment): Promise<ProcessCell | undefined> {
  if (containment.kind !== 'cgroup2' && containment.kind !== 'cgroup1') return createCell(containment);
  const maker = spawn('sleep', ['30'], { stdio: 'ignore' });
  const identity = identifyProcess(maker.pid as number);
  maker.kill('SIGKILL');
  await exited(maker);
  const tag = path.join(containment.root, `cell-${identity?.pid}-${identity?.start}-${randomBytes(6).toString('hex')}`);
  mkdirSync(tag);
  return { kind: containment.kind, tag };
}

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
    // As `attune up` killed with kill -9 leaves it: the cell's maker is gone too (a live maker may have reused it: see cell-pool.test.ts).
    const cell = await cellOfGoneMaker(detected.containment);
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
