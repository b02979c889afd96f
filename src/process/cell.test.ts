import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Containment, createCell, isCell, killCell, launchInCell, releaseCell } from './cell.js';
import { cgroupLaunch, cgroupMembers, cgroupState, createCgroup, ownCgroups, probeCgroupRoot, removeCgroup, removeStaleCells } from './cgroup.js';
import { detectContainment } from './detect-containment.js';
import { environMembers } from './environ-cell.js';
import { requireCapability } from '../../test/support/prerequisites.js';
import { isAlive } from '../../test/support/processes.js';
import { until, waitFor } from '../../test/support/wait.js';

/** Every kind this machine offers: each v1 hierarchy separately (freezer, then pids without one). */
function availableContainments(): { name: string; containment: Containment }[] {
  const found: { name: string; containment: Containment }[] = [];
  for (const own of ownCgroups()) {
    const probed = probeCgroupRoot(own);
    if ('root' in probed) found.push({ name: `${own.kind} ${path.basename(path.dirname(probed.root))}`, containment: { kind: own.kind, root: probed.root } });
  }
  const environ = detectContainment('environ');
  if ('containment' in environ) found.push({ name: 'environ', containment: environ.containment });
  return found;
}

const dir = mkdtempSync(path.join(tmpdir(), 'attune-cell-'));
const started: number[] = [];
afterAll(() => {
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL'); // only left when a test failed
    } catch {
      // gone, as it should be
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `script` with sh in a new cell; resolves once it has exited. */
function runInCell(containment: Containment, script: string): { cell: ReturnType<typeof createCell>; exited: Promise<number | null> } {
  const cell = createCell(containment);
  const launch = launchInCell(cell, { command: 'sh', args: ['-c', script], cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
  const child = spawn(launch.command, [...launch.args], { cwd: launch.cwd, env: launch.env, detached: true, stdio: 'ignore' });
  return { cell, exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
}

const containments = process.platform === 'linux' ? availableContainments() : [];
const cgroups = containments.filter(({ containment }) => containment.kind !== 'environ');

/** The processes in a cell now. */
const membersOf = (cell: ReturnType<typeof createCell>): number[] =>
  cell === undefined ? [] : cell.kind === 'environ' ? environMembers(cell.tag) : cgroupMembers(cell.tag);

describe.runIf(process.platform === 'linux')('containment on Linux', () => {
  it('offers at least the environment marker, so the cell tests below run', () => {
    expect(containments.map(({ name }) => name), 'no kind of cell works here: /proc/<pid>/environ is not readable').toContain('environ');
  });

  it('offers a writable cgroup, so the cgroup cell tests below run', (ctx) => {
    requireCapability(ctx, cgroups.length > 0 ? undefined : 'no writable cgroup here (root, or a cgroup delegated to this user, is needed)');
    expect(cgroups.length).toBeGreaterThan(0);
  });
});

describe.runIf(containments.length > 0)('process cells', () => {
  describe.each(containments)('$name', ({ containment }) => {
    it('holds a child that left its session with setsid, and ends it', async () => {
      const file = path.join(dir, `${containment.kind}-${Math.random()}.pid`);
      // The pid is written after setsid, so the child has truly left the group when we look.
      const { cell, exited } = runInCell(containment, `setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 300' '${file}' & while [ ! -e '${file}' ]; do sleep 0.01; done`);
      expect(await exited).toBe(0);
      const escapee = Number(readFileSync(file, 'utf8'));
      started.push(escapee);
      expect(isAlive(escapee)).toBe(true);
      expect(killCell(cell)).toBeGreaterThanOrEqual(1); // the escapee, and perhaps its `mv` still exiting
      await waitFor(() => !isAlive(escapee));
      expect(await releaseCell(cell)).toBe(true);
      // A cgroup cell is kept, empty, for the next run (see the cell pool tests below).
      if (cell !== undefined && cell.kind !== 'environ') expect(cgroupState(cell.tag, cell.kind)).toBe('vacant');
    });

    it('ends a process that keeps forking while it is being killed', async () => {
      const { cell, exited } = runInCell(containment, 'while :; do setsid sleep 300 & sleep 0.001; done');
      try {
        await until(() => membersOf(cell).length, (count) => count > 3); // the loop and some of its sleeps
        expect(killCell(cell)).toBeGreaterThan(1);
        expect(await exited).toBeNull();
        expect(await releaseCell(cell)).toBe(true);
        if (cell?.kind === 'environ') expect(environMembers(cell.tag)).toEqual([]);
      } finally {
        await releaseCell(cell); // a failed test must not leave the loop running
      }
    });

    it('leaves a program that cannot run to fail as spawn always failed it', async () => {
      const cell = createCell(containment);
      const missing = launchInCell(cell, { command: path.join(dir, 'no-such-program'), args: [], cwd: dir, env: {} });
      const error = await new Promise<NodeJS.ErrnoException>((resolve) =>
        spawn(missing.command, [...missing.args], { cwd: missing.cwd, env: missing.env }).once('error', resolve),
      );
      expect(error.code).toBe('ENOENT');
      expect(await releaseCell(cell)).toBe(true);
    });
  });
});

describe.runIf(cgroups.length > 0).each(cgroups)('cgroup cells ($name)', ({ containment }) => {
it('removes empty cells left behind, never one with a process in it', async () => {
    // A root of its own: other tests make cells under the shared one meanwhile.
    const root = createCgroup(containment.root, 'sweep');
    const busy = createCgroup(root, 'busy');
    const left = createCgroup(root, 'left');
    const launch = cgroupLaunch(busy, 'sleep', ['300']);
    const child = spawn(launch.command, launch.args, { stdio: 'ignore' });
    try {
      await waitFor(() => cgroupMembers(busy).length > 0);
      removeStaleCells(root, 0);
      expect(existsSync(left)).toBe(false);
      expect(existsSync(busy)).toBe(true);
    } finally {
      const gone = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await gone;
      await waitFor(() => removeCgroup(root));
    }
  });
});

describe('cells that come back from the database or the ledger', () => {
  it('are acted on only when they name a cell Attune makes', () => {
    expect(isCell({ kind: 'cgroup2', tag: '/sys/fs/cgroup/unified/attune/action-7-0123456789ab' })).toBe(true);
    expect(isCell({ kind: 'cgroup2', tag: '/sys/fs/cgroup/unified' })).toBe(false);
    expect(isCell({ kind: 'cgroup1', tag: '/sys/fs/cgroup/pids/user.slice-0123456789ab' })).toBe(false);
    expect(isCell({ kind: 'cgroup1', tag: 'attune/action-7-0123456789ab' })).toBe(false);
    expect(isCell({ kind: 'environ', tag: '0f3c1a52-8a0e-4a53-9d5e-2b7d1c2e9f10' })).toBe(true);
    expect(isCell({ kind: 'environ', tag: '' })).toBe(false);
    // Nothing is killed for a tag that is not a cell, whatever is in that cgroup.
    expect(killCell({ kind: 'cgroup2', tag: '/sys/fs/cgroup/unified' })).toBe(0);
  });
});
