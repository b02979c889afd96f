import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProcessCell } from '../domain/index.js';
import { type Containment, createCell, killCell, launchInCell, releaseCell } from './cell.js';
import { freeCellCount, MAX_FREE_CELLS, removeFreeCells } from './cell-pool.js';
import { cgroupMembers, cgroupState, ownCgroups, probeCgroupRoot, removeStaleCells } from './cgroup.js';
import { identifyProcess, killOrphanedProcess } from './process-identity.js';
import { isAlive, killAll } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';

/** Every cgroup kind this machine offers, each v1 hierarchy separately. */
function cgroupContainments(): { name: string; containment: Containment }[] {
  if (process.platform !== 'linux') return [];
  return ownCgroups().flatMap((own) => {
    const probed = probeCgroupRoot(own);
    return 'root' in probed ? [{ name: `${own.kind} ${path.basename(path.dirname(probed.root))}`, containment: { kind: own.kind, root: probed.root } }] : [];
  });
}

const started: number[] = [];
afterAll(() => {
  killAll(started); // only left when a test failed
  removeFreeCells();
});

/** Starts `script` with sh in `cell`; its pid, its identity as the worker records it, and its exit. */
async function startIn(cell: ProcessCell | undefined, script: string) {
  const launch = launchInCell(cell, { command: 'sh', args: ['-c', script], cwd: '/', env: { PATH: '/usr/bin:/bin' } });
  const child = spawn(launch.command, [...launch.args], { detached: true, stdio: 'ignore' });
  const pid = child.pid as number;
  started.push(pid);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // In the cell once the wrapper has moved itself in: then the identity is the one recorded.
  await waitFor(() => cell === undefined || cgroupMembers(cell.tag).includes(pid) || child.exitCode !== null);
  const identity = identifyProcess(pid);
  if (identity === undefined) throw new Error('no identity for a process just started: it must not exit at once');
  return { pid, exited, identity: cell ? { ...identity, cell } : identity };
}

/** What the database or the sensor ledger gives back for a cell: a copy, not the run's hold on it. */
const recorded = (cell: ProcessCell | undefined): ProcessCell => JSON.parse(JSON.stringify(cell)) as ProcessCell;

/** A pid and start time of a process that has exited. */
async function goneProcess(): Promise<{ pid: number; start: string }> {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' });
  const identity = identifyProcess(child.pid as number);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
  if (identity === undefined) throw new Error('no identity for a process just started');
  return identity;
}

/** The pool per root is this process's: each test reads how many cells it keeps before and after. */
describe.runIf(cgroupContainments().length > 0).each(cgroupContainments())('reused cells ($name)', ({ containment }) => {
  it('gives a run the cell a finished run left empty, once nothing of that run is left in it', async () => {
    const first = createCell(containment);
    // What the run left behind: a child in a session of its own.
    const run = await startIn(first, 'setsid sleep 300 </dev/null >/dev/null 2>&1 & exec sleep 0.2');
    await run.exited;
    const left = cgroupMembers(first?.tag ?? '');
    expect(left.length).toBeGreaterThanOrEqual(1);
    started.push(...left);
    // Not killed first (as the run's exit does): releasing ends what is left before the cell is kept.
    expect(await releaseCell(first)).toBe(true);
    expect(left.filter(isAlive)).toEqual([]);
    expect(cgroupState(first?.tag ?? '', containment.kind as 'cgroup2')).toBe('vacant');
    const second = createCell(containment);
    expect(second?.tag).toBe(first?.tag);
    expect(second).not.toBe(first);
    const next = await startIn(second, 'exec sleep 0.2');
    await next.exited;
    expect(await releaseCell(second)).toBe(true);
  });

  it('removes instead of reusing a cell its run made cgroups below, or left frozen', async () => {
    const nested = createCell(containment);
    mkdirSync(path.join(nested?.tag ?? '', 'below'));
    const frozen = containment.kind === 'cgroup2' ? createCell(containment) : undefined;
    if (frozen !== undefined) writeFileSync(path.join(frozen.tag, 'cgroup.freeze'), '1');
    for (const cell of [nested, frozen]) {
      if (cell === undefined) continue;
      expect(cgroupState(cell.tag, containment.kind as 'cgroup2')).toBe('altered');
      expect(await releaseCell(cell)).toBe(true);
      expect(existsSync(cell.tag)).toBe(false);
    }
    const next = createCell(containment);
    expect([nested?.tag, frozen?.tag]).not.toContain(next?.tag);
    expect(await releaseCell(next)).toBe(true);
  });

  it('does not give out a kept cell that was removed meanwhile', async () => {
    const kept = createCell(containment);
    expect(await releaseCell(kept)).toBe(true);
    rmdirSync(kept?.tag ?? '');
    const next = createCell(containment);
    expect(next?.tag).not.toBe(kept?.tag);
    expect(existsSync(next?.tag ?? '')).toBe(true);
    expect(await releaseCell(next)).toBe(true);
  });

  it('keeps a bounded number of empty cells, and removes them all at shutdown', async () => {
    const before = freeCellCount(containment.root);
    const cells = Array.from({ length: MAX_FREE_CELLS + 3 }, () => createCell(containment));
    for (const cell of cells) expect(await releaseCell(cell)).toBe(true);
    expect(freeCellCount(containment.root)).toBe(MAX_FREE_CELLS);
    // Those kept before were given out first: every cell left is one of these.
    expect(before).toBeLessThanOrEqual(MAX_FREE_CELLS);
    expect(cells.filter((cell) => existsSync(cell?.tag ?? '')).length).toBe(MAX_FREE_CELLS);
    removeFreeCells();
    expect(freeCellCount(containment.root)).toBe(0);
    expect(cells.filter((cell) => existsSync(cell?.tag ?? ''))).toEqual([]);
  });

  it('never ends the run in a reused cell for the record of a run that was done with it', async () => {
    const cell = createCell(containment);
    const done = await startIn(cell, 'exec sleep 300');
    killCell(cell);
    await done.exited;
    expect(await releaseCell(cell)).toBe(true);
    const reused = createCell(containment);
    expect(reused?.tag).toBe(cell?.tag);
    const running = await startIn(reused, 'exec sleep 300');
    // The finished run's record, as recovery after a crash reads it: its process is gone, its cell is another run's.
    expect(killOrphanedProcess({ ...done.identity, cell: recorded(cell) })).toBe(false);
    expect(await releaseCell(recorded(cell))).toBe(true);
    expect(await releaseCell(cell)).toBe(true); // released twice by mistake: still not taken back
    expect(isAlive(running.pid)).toBe(true);
    expect(cgroupMembers(reused?.tag ?? '')).toEqual([running.pid]);
    // The running run's own record still ends it: its process is in the cell.
    expect(killOrphanedProcess({ ...running.identity, cell: recorded(reused) })).toBe(true);
    await running.exited;
    expect(await releaseCell(reused)).toBe(true);
  });

  it('ends all in the cell of a process gone since, and removes the cell', async () => {
    // A cell made by a process that has exited, as `attune up` killed with kill -9 leaves them.
    const maker = await goneProcess();
    const tag = path.join(containment.root, `cell-${maker.pid}-${maker.start}-${randomBytes(6).toString('hex')}`);
    mkdirSync(tag);
    const cell: ProcessCell = { kind: containment.kind as 'cgroup2', tag };
    const orphan = await startIn(cell, 'setsid sleep 300 </dev/null >/dev/null 2>&1 & exec sleep 0.2');
    await orphan.exited;
    const escapees = cgroupMembers(tag);
    started.push(...escapees);
    expect(escapees.length).toBe(1);
    expect(killOrphanedProcess(orphan.identity)).toBe(true);
    await waitFor(() => escapees.every((pid) => !isAlive(pid)));
    await waitFor(() => !existsSync(tag));
  });

  it('removes the empty cells of a process gone since at once, never those of a live one', async () => {
    const maker = await goneProcess();
    const gone = path.join(containment.root, `cell-${maker.pid}-${maker.start}-${randomBytes(6).toString('hex')}`);
    mkdirSync(gone);
    const mine = createCell(containment);
    expect(await releaseCell(mine)).toBe(true);
    removeStaleCells(containment.root);
    expect(existsSync(gone)).toBe(false);
    expect(existsSync(mine?.tag ?? '')).toBe(true);
    expect(readdirSync(containment.root)).toContain(path.basename(mine?.tag ?? ''));
  });
});
