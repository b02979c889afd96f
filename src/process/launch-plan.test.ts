import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandLineLaunch, findExecutable, resolveEntryPath } from './launch-plan.js';

// Registration checks entry points too; these are the checks at launch, after symlinks may have changed.
describe('resolveEntryPath', () => {
  let pack: string;
  let outside: string;

  beforeEach(async () => {
    pack = await mkdtemp(path.join(tmpdir(), 'attune-launch-'));
    outside = await mkdtemp(path.join(tmpdir(), 'attune-launch-outside-'));
    for (const dir of ['actions', 'sensors', 'lib']) await mkdir(path.join(pack, dir));
    await writeFile(path.join(pack, 'lib', 'run.sh'), 'echo hi\n');
    await writeFile(path.join(outside, 'evil.sh'), 'echo evil\n');
  });

  afterEach(async () => {
    await rm(pack, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  it('runs the real path of a symlink that stays inside the pack', async () => {
    await symlink('../lib/run.sh', path.join(pack, 'actions', 'run.sh'));
    expect(await resolveEntryPath(pack, 'run.sh')).toEqual({ path: await realpath(path.join(pack, 'lib', 'run.sh')) });
  });

  it('refuses a symlink out of the pack without naming its target', async () => {
    await symlink(path.join(outside, 'evil.sh'), path.join(pack, 'actions', 'run.sh'));
    const resolved = await resolveEntryPath(pack, 'run.sh');
    expect(resolved).toEqual({ error: `entry point ${path.join(pack, 'actions', 'run.sh')} resolves outside the pack` });
  });

  it('refuses a folder swapped for a symlink out of the pack, for sensors too', async () => {
    await rm(path.join(pack, 'sensors'), { recursive: true });
    await symlink(outside, path.join(pack, 'sensors'));
    expect(await resolveEntryPath(pack, 'evil.sh', 'sensors')).toEqual({
      error: `entry point ${path.join(pack, 'sensors', 'evil.sh')} resolves outside the pack`,
    });
  });

  it('refuses a FIFO and a directory', async () => {
    execFileSync('mkfifo', [path.join(pack, 'actions', 'fifo.sh')]);
    expect(await resolveEntryPath(pack, 'fifo.sh')).toEqual({ error: `entry point ${path.join(pack, 'actions', 'fifo.sh')} is not a regular file` });
    expect(await resolveEntryPath(pack, '../lib', 'actions')).toEqual({ error: `entry point ../lib is outside ${path.join(pack, 'actions')}` });
    await mkdir(path.join(pack, 'sensors', 'dir'));
    expect(await resolveEntryPath(pack, 'dir', 'sensors')).toEqual({ error: `entry point ${path.join(pack, 'sensors', 'dir')} is not a regular file` });
  });

  it('keeps refusing entry points that climb out of the folder or are missing', async () => {
    expect(await resolveEntryPath(pack, '../lib/run.sh')).toEqual({ error: `entry point ../lib/run.sh is outside ${path.join(pack, 'actions')}` });
    expect(await resolveEntryPath(pack, 'nope.sh')).toEqual({ error: `entry point ${path.join(pack, 'actions', 'nope.sh')} does not exist` });
  });
});

describe('commandLineLaunch', () => {
  it('runs /bin/sh on the file holding the command line, which alone is in its arguments', () => {
    expect(commandLineLaunch('/data/parameters/attune-params-x/command.sh')).toEqual({ command: '/bin/sh', args: ['/data/parameters/attune-params-x/command.sh'] });
  });
});

describe('findExecutable', () => {
  it('takes a name with a slash as a path, whatever PATH says', async () => {
    expect(await findExecutable('/bin/sh', '/nonexistent')).toBe('/bin/sh');
    expect(await findExecutable('/nonexistent/sh', process.env.PATH)).toBeUndefined();
  });

  it('looks a plain name up on PATH, skipping what is not an executable file', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'attune-path-'));
    try {
      await mkdir(path.join(dir, 'a', 'tool'), { recursive: true }); // a directory: searchable, not executable
      await mkdir(path.join(dir, 'b'));
      await writeFile(path.join(dir, 'b', 'tool'), '#!/bin/sh\n', { mode: 0o755 });
      const searchPath = [path.join(dir, 'a'), path.join(dir, 'b')].join(path.delimiter);
      expect(await findExecutable('tool', searchPath)).toBe(path.join(dir, 'b', 'tool'));
      expect(await findExecutable('/tmp', searchPath)).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
