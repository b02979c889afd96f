import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { commandLineLaunch, encodeCommandLine, findExecutable, resolveEntryPath } from './launch-plan.js';

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
  /** Runs the launch as the worker would, with `cmd` and then `rest` on stdin. */
  function run(cmd: string, rest = '') {
    const { command, args } = commandLineLaunch();
    return spawnSync(command, args, { input: encodeCommandLine(cmd) + rest, encoding: 'utf8', env: {} });
  }

  it('is one /bin/sh with a fixed one-line program in its arguments, whatever the command line', () => {
    const { command, args } = commandLineLaunch();
    expect(command).toBe('/bin/sh');
    expect(args).toHaveLength(2);
    expect(args[1]).not.toContain('\n'); // a warm spare's header can carry it
  });

  it('runs the command line exactly as sh -c would, however it is written', () => {
    const cmd = ['  printf "[%s]" "$#" "$0" "${c-unset}${n-unset}${l-unset}" \'  two  spaces\\n\'', '', 'cat <<EOF', '\tback\\slash $(echo sub)', 'EOF', ''].join('\n');
    const result = run(cmd);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe('[0][/bin/sh][unsetunsetunset][  two  spaces\\n]\tback\\slash sub\n');
    expect(run('exit 7').status).toBe(7);
    expect(run('').status).toBe(0);
    expect(run('echo "no newline at the end"').stdout).toBe('no newline at the end\n');
  });

  it('leaves what follows the command line on stdin to the command, and nothing when nothing follows', () => {
    expect(run('cat', '{"n": 1}').stdout).toBe('{"n": 1}');
    expect(run('echo one\ncat\necho three').stdout).toBe('one\nthree\n');
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
