import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isTerminal, writePack } from './harness.js';

// What registering a pack may read, through the real server: only regular files inside the pack.

interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

const RUN_ACTION = 'name: run\nrunner_type: shell\nentry_point: run.sh\n';

describe('pack files through attune up', () => {
  const attune = new AttuneProcess();
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(() => attune.cleanup());

  const register = (dir: string) => attune.api<ErrorBody>('POST', '/api/v1/packs/register', { path: dir });
  const run = async (ref: string): Promise<ExecutionBody> => {
    const created = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: ref, parameters: {} });
    expect(created.status).toBe(201);
    return attune.waitForExecution(created.body.data.id, isTerminal);
  };
  /** Peak resident memory of the attune process so far, in bytes. */
  const peakRss = (): number => {
    const line = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${attune.pid}/status`, 'utf8'));
    return Number(line?.[1]) * 1024;
  };

  it('answers at once for packs whose YAML is a FIFO, and process actions still run', async () => {
    const fifo = path.join(attune.home, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // Four blocked reads used to fill libuv's thread pool: five, to be sure.
    const dirs = [1, 2, 3, 4, 5].map((i) => {
      const dir = writePack(path.join(attune.home, `fifo-pack-${i}`), { 'pack.yaml': `ref: fifo${i}\nversion: 1.0.0\n` });
      mkdirSync(path.join(dir, 'actions'));
      symlinkSync(i % 2 === 0 ? fifo : '../fifo', path.join(dir, 'actions', 'f.yaml'));
      if (i % 2 === 1) execFileSync('mkfifo', [path.join(dir, 'fifo')]);
      return dir;
    });
    const replies = await Promise.all(dirs.map(register));
    for (const reply of replies) {
      expect(reply.status).toBe(400);
      expect(reply.body.error.code).toBe('ERR_PACK_INVALID');
      expect(reply.body.error.message).toMatch(/^actions\/f\.yaml:1:1: (is not a regular file \(it is a FIFO\)|resolves outside the pack)/);
    }
    const echo = await attune.cli(['run', 'core.echo', 'message=still here', '-o', 'json']);
    expect((JSON.parse(echo.stdout) as ExecutionBody).status).toBe('completed');
  });

  it('refuses a huge YAML file before reading it, and its memory stays flat', async () => {
    const dir = writePack(path.join(attune.home, 'huge-pack'), { 'pack.yaml': 'ref: huge\nversion: 1.0.0\n' });
    mkdirSync(path.join(dir, 'actions'));
    writeFileSync(path.join(dir, 'actions', 'huge.yaml'), Buffer.from('x:\n' + '- {a: 1, b: 2}\n'.repeat(4_000_000)));
    const before = peakRss();
    const reply = await register(dir);
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/^actions\/huge\.yaml:1:1: is 60000003 bytes, more than packs\.max_file_bytes \(\d+\)$/);
    expect(peakRss() - before).toBeLessThan(32 * 1024 * 1024);
  });

  it('refuses links to files outside the pack, and never shows what they hold', async () => {
    const dir = writePack(path.join(attune.home, 'leaky-pack'), { 'pack.yaml': 'ref: leaky\nversion: 1.0.0\n', 'actions/run.yaml': RUN_ACTION });
    symlinkSync('/etc/passwd', path.join(dir, 'actions', 'run.sh'));
    symlinkSync('/etc/shadow', path.join(dir, 'actions', 's.yaml'));
    symlinkSync('/etc/passwd', path.join(dir, 'actions', 'p.yaml'));
    const reply = await register(dir);
    expect(reply.status).toBe(400);
    const details = reply.body.error.details as { file: string; field: string; message: string }[];
    expect(details.map((d) => [d.file, d.field])).toEqual([['actions/p.yaml', ''], ['actions/run.yaml', 'entry_point'], ['actions/s.yaml', '']]);
    for (const detail of details) expect(detail.message).toMatch(/resolves outside the pack/);
    const text = JSON.stringify(reply.body);
    expect(text).not.toContain('root:');
    expect(text).not.toContain('/etc/');
    expect((await attune.api('GET', '/api/v1/packs/leaky')).status).toBe(404);
  });

  it('refuses an actions/ folder linked from outside the pack', async () => {
    const elsewhere = writePack(path.join(attune.home, 'elsewhere'), { 'run.yaml': RUN_ACTION, 'run.sh': 'echo hi\n' });
    const dir = writePack(path.join(attune.home, 'linked-pack'), { 'pack.yaml': 'ref: linked\nversion: 1.0.0\n' });
    symlinkSync(elsewhere, path.join(dir, 'actions'));
    const reply = await register(dir);
    expect(reply.status).toBe(400);
    expect(reply.body.error.message).toMatch(/^actions\/:1:1: resolves outside the pack/);
  });

  it('follows links inside the pack, and checks the entry point again when it runs', async () => {
    const marker = path.join(attune.home, 'escaped');
    const evil = writePack(path.join(attune.home, 'evil'), { 'run.sh': `touch ${marker}\n` });
    const dir = writePack(path.join(attune.home, 'inside-pack'), {
      'pack.yaml': 'ref: inside\nversion: 1.0.0\n',
      'shared/run.yaml': RUN_ACTION,
      'lib/run.sh': 'echo from lib\n',
    });
    mkdirSync(path.join(dir, 'actions'));
    symlinkSync('../shared/run.yaml', path.join(dir, 'actions', 'run.yaml'));
    symlinkSync('../lib/run.sh', path.join(dir, 'actions', 'run.sh'));
    expect((await register(dir)).status).toBe(200);
    const first = await run('inside.run');
    expect(first.status).toBe('completed');
    expect(first.result?.stdout).toBe('from lib\n');

    // Swapped after registration: refused at launch, and nothing outside the pack runs.
    rmSync(path.join(dir, 'actions', 'run.sh'));
    symlinkSync(path.join(evil, 'run.sh'), path.join(dir, 'actions', 'run.sh'));
    const second = await run('inside.run');
    expect(second.status).toBe('failed');
    expect(second.result?.error).toMatch(/actions\/run\.sh resolves outside the pack$/);
    expect(second.result?.error).not.toContain(evil);
    expect(existsSync(marker)).toBe(false);
  });

  it('says so when the pack path is a file', async () => {
    const file = path.join(attune.home, 'not-a-pack.yaml');
    writeFileSync(file, 'ref: x\n');
    const reply = await register(file);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'ERR_PACK_PATH_NOT_FOUND', message: `${file} is a regular file, not a pack directory` });
  });
});
