import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PACKS_DEFAULTS } from '../config/index.js';
import { AppError, type ValidationIssue } from '../domain/index.js';
import { loadPack, type LoadPackOptions } from './load-pack.js';

// What loadPack may read: only regular files whose real path is inside the pack, within limits.

const PACK_YAML = 'ref: demo\nversion: 0.1.0\n';
const RUN_ACTION = 'name: run\nrunner_type: shell\nentry_point: run.sh\n';
const SECRET = 's3cr3t_key: hunter2\nanother_s3cr3t: x\n';

let dirs: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'attune-packfs-'));
  dirs.push(dir);
  return dir;
}

async function writeFiles(dir: string, files: Readonly<Record<string, string>>): Promise<string> {
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

async function link(dir: string, file: string, target: string): Promise<void> {
  await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
  await symlink(target, path.join(dir, file));
}

async function failureOf(dir: string, options?: LoadPackOptions): Promise<AppError> {
  const error = await loadPack(dir, options).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function issuesOf(dir: string, options?: LoadPackOptions): Promise<readonly ValidationIssue[]> {
  const error = await failureOf(dir, options);
  expect(error.code).toBe('ERR_PACK_INVALID');
  return error.details as ValidationIssue[];
}

afterEach(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
});

describe('loadPack and symbolic links', () => {
  it('refuses a YAML file that leads out of the pack and never quotes what it points at', async () => {
    const outside = await writeFiles(await tempDir(), { 'secret.yaml': SECRET });
    const dir = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML });
    await link(dir, 'actions/s.yaml', path.join(outside, 'secret.yaml'));
    await link(dir, 'actions/p.yaml', '/etc/passwd');
    const error = await failureOf(dir);
    expect(error.details).toEqual([
      { file: 'actions/p.yaml', line: 1, column: 1, field: '', message: expect.stringMatching(/^resolves outside the pack/) as string },
      { file: 'actions/s.yaml', line: 1, column: 1, field: '', message: expect.stringMatching(/^resolves outside the pack/) as string },
    ]);
    const reply = JSON.stringify({ message: error.message, details: error.details });
    expect(reply).not.toContain('s3cr3t');
    expect(reply).not.toContain('root:');
    expect(reply).not.toContain(outside);
  });

  it('refuses an entry point that leads out of the pack, without naming its target', async () => {
    const dir = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML, 'actions/run.yaml': RUN_ACTION });
    await link(dir, 'actions/run.sh', '/etc/passwd');
    const issues = await issuesOf(dir);
    expect(issues).toEqual([
      { file: 'actions/run.yaml', line: 3, column: 14, field: 'entry_point', message: expect.stringMatching(/^actions\/run.sh resolves outside the pack/) as string },
    ]);
    expect(JSON.stringify(issues)).not.toContain('/etc/passwd');
  });

  it('refuses an actions/ folder that is a symlink out of the pack', async () => {
    const elsewhere = await writeFiles(await tempDir(), { 'run.yaml': RUN_ACTION, 'run.sh': 'echo hi\n' });
    const dir = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML });
    await link(dir, 'actions', elsewhere);
    const issues = await issuesOf(dir);
    expect(issues).toEqual([{ file: 'actions/', line: 1, column: 1, field: '', message: expect.stringMatching(/^resolves outside the pack/) as string }]);
  });

  it('refuses a pack.yaml that leads out of the pack', async () => {
    const outside = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML });
    const dir = await tempDir();
    await link(dir, 'pack.yaml', path.join(outside, 'pack.yaml'));
    const issues = await issuesOf(dir);
    expect(issues).toEqual([{ file: 'pack.yaml', line: 1, column: 1, field: '', message: expect.stringMatching(/^resolves outside the pack/) as string }]);
  });

  it('reports a symlink loop as a problem of the pack, not an internal error', async () => {
    const dir = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML });
    await link(dir, 'actions', 'actions');
    await link(dir, 'rules/loop.yaml', 'loop.yaml');
    const issues = await issuesOf(dir);
    expect(issues).toEqual([
      { file: 'actions/', line: 1, column: 1, field: '', message: 'cannot be read: too many levels of symbolic links' },
      { file: 'rules/loop.yaml', line: 1, column: 1, field: '', message: 'cannot be read: too many levels of symbolic links' },
    ]);
  });

  it('follows symlinks that stay inside the pack, and a pack directory that is itself a symlink', async () => {
    const real = await writeFiles(await tempDir(), {
      'pack.yaml': PACK_YAML,
      'shared/run.yaml': RUN_ACTION,
      'lib/run.sh': 'echo hi\n',
      'impl/triggers/ping.yaml': 'name: ping\n',
    });
    await link(real, 'actions/run.yaml', '../shared/run.yaml');
    await link(real, 'actions/run.sh', '../lib/run.sh');
    await link(real, 'triggers', 'impl/triggers');
    const dir = path.join(await tempDir(), 'pack');
    await symlink(real, dir);
    const pack = await loadPack(dir);
    expect(pack.path).toBe(dir);
    expect(pack.actions.map((action) => [action.ref, action.entryPoint])).toEqual([['demo.run', 'run.sh']]);
    expect(pack.triggers.map((trigger) => trigger.ref)).toEqual(['demo.ping']);
  });
});

describe('loadPack and files that are not regular files', () => {
  it('reports a FIFO at once instead of waiting for a writer', async () => {
    const outside = await tempDir();
    execFileSync('mkfifo', [path.join(outside, 'fifo')]);
    const dir = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML });
    execFileSync('mkfifo', [path.join(dir, 'fifo'), path.join(dir, 'actions.fifo')]);
    await mkdir(path.join(dir, 'actions'));
    execFileSync('mkfifo', [path.join(dir, 'actions', 'direct.yaml')]);
    await link(dir, 'actions/in.yaml', '../fifo');
    await link(dir, 'actions/out.yaml', path.join(outside, 'fifo'));
    const issues = await issuesOf(dir);
    expect(issues.map((issue) => `${issue.file}: ${issue.message}`)).toEqual([
      'actions/direct.yaml: is not a regular file (it is a FIFO)',
      'actions/in.yaml: is not a regular file (it is a FIFO)',
      expect.stringMatching(/^actions\/out.yaml: resolves outside the pack/),
    ]);
  });

  it('reports an entry point that is a FIFO or a directory', async () => {
    const dir = await writeFiles(await tempDir(), {
      'pack.yaml': PACK_YAML,
      'actions/run.yaml': RUN_ACTION,
      'actions/dir.yaml': 'name: dir\nrunner_type: shell\nentry_point: lib\n',
      'actions/lib/x.sh': '',
    });
    execFileSync('mkfifo', [path.join(dir, 'actions', 'run.sh')]);
    const issues = await issuesOf(dir);
    expect(issues.map((issue) => issue.message)).toEqual([
      'actions/lib is not a regular file (it is a directory)',
      'actions/run.sh is not a regular file (it is a FIFO)',
    ]);
  });

  it('says what a pack path that is no directory is', async () => {
    const dir = await writeFiles(await tempDir(), { 'file.txt': 'hello\n' });
    const error = await failureOf(path.join(dir, 'file.txt'));
    expect(error.code).toBe('ERR_PACK_PATH_NOT_FOUND');
    expect(error.message).toBe(`${path.join(dir, 'file.txt')} is a regular file, not a pack directory`);
    execFileSync('mkfifo', [path.join(dir, 'fifo')]);
    expect((await failureOf(path.join(dir, 'fifo'))).message).toMatch(/is a FIFO, not a pack directory$/);
  });
});

describe('loadPack limits', () => {
  const limits = (overrides: Partial<LoadPackOptions['limits'] & object>): LoadPackOptions => ({ limits: { ...PACKS_DEFAULTS, ...overrides } });

  it('refuses a file over packs.max_file_bytes before parsing it', async () => {
    // Broken YAML: were it parsed, its own error would be reported too.
    const dir = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML, 'actions/big.yaml': `name: [unclosed\n${'#'.repeat(2000)}\n` });
    const issues = await issuesOf(dir, limits({ max_file_bytes: 1024 }));
    expect(issues).toEqual([{ file: 'actions/big.yaml', line: 1, column: 1, field: '', message: 'is 2017 bytes, more than packs.max_file_bytes (1024)' }]);
  });

  it('stops at packs.max_pack_bytes, naming the file that crosses it', async () => {
    const action = (name: string): string => `name: ${name}\nrunner_type: builtin\nentry_point: noop\n# ${'x'.repeat(400)}\n`;
    const dir = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML, 'actions/a.yaml': action('a'), 'actions/b.yaml': action('b'), 'actions/c.yaml': action('c') });
    const error = await failureOf(dir, limits({ max_pack_bytes: 1024 }));
    expect(error.code).toBe('ERR_PACK_INVALID');
    expect(error.message).toBe("actions/c.yaml:1:1: the pack's YAML files add up to more than packs.max_pack_bytes (1024)");
    expect(await loadPack(dir, limits({ max_pack_bytes: 2048 }))).toMatchObject({ actions: [{ ref: 'demo.a' }, { ref: 'demo.b' }, { ref: 'demo.c' }] });
  });

  it('stops at packs.max_files', async () => {
    const dir = await writeFiles(await tempDir(), { 'pack.yaml': PACK_YAML, 'rules/a.yaml': '', 'rules/b.yaml': '', 'rules/readme.txt': '' });
    const error = await failureOf(dir, limits({ max_files: 2 }));
    expect(error.message).toBe('rules/:1:1: the pack has more than packs.max_files (2) YAML files');
  });
});
