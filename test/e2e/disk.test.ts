import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, expect, it, type TestContext } from 'vitest';
import { requireCapability } from '../support/prerequisites.js';
import { AttuneProcess, type ExecutionBody, describeEmbeddedOnly, isAlive, makeHome, until, writePack } from './harness.js';

/** Control characters a terminal may act on (all C0 but tab and newline, DEL, C1). */
const RAW_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/; // eslint-disable-line no-control-regex

const mode = (file: string) => statSync(file).mode & 0o777;

/**
 * Mounts a tmpfs of `size` for a test's data dir; undefined (the test skipped, or failed in CI)
 * where that is impossible: not root, no CAP_SYS_ADMIN.
 */
function mountTmpfs(ctx: TestContext, size: string): string | undefined {
  const dir = mkdtempSync(path.join(tmpdir(), 'attune-tmpfs-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0700`, 'tmpfs', dir], { stdio: 'pipe' });
    return dir;
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    requireCapability(ctx, `cannot mount a tmpfs for the full-disk test: ${(error as Error).message.trim()}`);
    return undefined;
  }
}

/** Fills the file system holding `dir` to the last byte; returns the filler file to delete later. */
function fillDisk(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = openSync(filler, 'w');
  try {
    for (const chunk of [Buffer.alloc(1 << 20), Buffer.alloc(4096), Buffer.alloc(64)]) {
      try {
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      }
    }
  } finally {
    closeSync(fd);
  }
  return filler;
}

describeEmbeddedOnly('the SQLite file and the logs of one process in one data dir', 'disk usage and a full disk', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('caps and rotates the service log and each sensor’s log, keeps logs private, and never shows a sensor’s raw control bytes', async () => {
    const home = makeHome();
    writePack(path.join(home, 'packs', 'noisy'), {
      'pack.yaml': 'ref: noisy\nversion: 1.0.0\n',
      'triggers/tick.yaml': 'name: tick\n',
      'rules/listen.yaml': 'name: listen\ntrigger_ref: noisy.tick\naction_ref: core.noop\n',
      'sensors/noisy.yaml': 'name: noisy\nrunner_type: shell\nentry_point: noisy.sh\ntrigger_types: [noisy.tick]\n',
      // 2.97 MB of stderr in 100-byte lines, then escape sequences, then it idles.
      'sensors/noisy.sh': [
        "head -c 2970000 /dev/zero | tr '\\0' 'x' | fold -w 99 >&2; echo >&2",
        "printf 'evil \\033[31mred\\033]0;title\\007 \\r\\302\\233done\\n' >&2",
        'echo "spam finished" >&2',
        'exec sleep 600',
        '',
      ].join('\n'),
    });
    const attune = new AttuneProcess(home, {
      ATTUNE__LOG__LEVEL: 'debug', // each stderr line of the sensor is logged too
      ATTUNE__LOG__MAX_BYTES: '65536',
      ATTUNE__LOG__MAX_FILES: '2',
      ATTUNE__SENSORS__LOG_MAX_BYTES: '65536',
      ATTUNE__SENSORS__LOG_MAX_FILES: '1',
    });
    cleanups.push(() => attune.cleanup());
    await attune.start();
    type Lines = { data: { line: string }[] };
    await until(
      () => attune.api<Lines>('GET', '/api/v1/sensors/noisy.noisy/logs?limit=5'),
      (r) => r.status === 200 && r.body.data.some((e) => e.line === 'spam finished'),
    );

    const shown = await attune.cli(['sensor', 'logs', 'noisy.noisy', '--limit', '5']);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('stderr evil \\u001b[31mred\\u001b]0;title\\u0007 \\u000d\\u009bdone');
    expect(shown.stdout).not.toMatch(RAW_CONTROL);

    const logs = path.join(home, 'logs');
    const sensors = path.join(logs, 'sensors');
    expect(readdirSync(sensors).sort()).toEqual(['noisy.noisy.log', 'noisy.noisy.log.1']);
    expect(readdirSync(logs).filter((f) => f.startsWith('attune.log')).sort()).toEqual(['attune.log', 'attune.log.1', 'attune.log.2']);
    for (const dir of [logs, sensors]) expect(mode(dir)).toBe(0o700);
    for (const file of [...readdirSync(sensors).map((f) => path.join(sensors, f)), ...['attune.log', 'attune.log.1', 'attune.log.2'].map((f) => path.join(logs, f))]) {
      expect(mode(file)).toBe(0o600);
      expect(statSync(file).size).toBeLessThanOrEqual(65536);
      expect(readFileSync(file, 'utf8')).not.toMatch(RAW_CONTROL);
    }
  });

  it('on a full disk answers writes with 507, keeps reads and health answering, and recovers by itself when space returns', async (ctx) => {
    const mount = mountTmpfs(ctx, '16m');
    if (mount === undefined) return;
    cleanups.push(() => {
      execFileSync('umount', ['-l', mount]);
      rmSync(mount, { recursive: true, force: true });
    });
    const home = path.join(mount, 'home');
    mkdirSync(home);
    writePack(path.join(home, 'packs', 'load'), {
      'pack.yaml': 'ref: load\nversion: 1.0.0\n',
      'triggers/hit.yaml': 'name: hit\n',
      'rules/run.yaml': 'name: run\ntrigger_ref: load.hit\naction_ref: core.noop\n',
    });
    const attune = new AttuneProcess(home);
    cleanups.push(() => attune.cleanup());
    await attune.start();

    // An action that runs while the disk is full: its result (20 kB of output) cannot be stored then.
    const go = path.join(mkdtempSync(path.join(tmpdir(), 'attune-go-')), 'go');
    cleanups.push(() => rmSync(path.dirname(go), { recursive: true, force: true }));
    const cmd = `while [ ! -e '${go}' ]; do sleep 0.05; done; head -c 20000 /dev/zero | tr '\\0' x`;
    const request = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: 'core.shell', parameters: { cmd } });
    expect(request.status).toBe(201);
    const longRun = request.body.data.id;
    await attune.waitForExecution(longRun, (e) => e.status === 'running');

    const filler = fillDisk(mount);
    const big = { trigger_ref: 'load.hit', payload: { text: 'x'.repeat(100_000) } };
    const post = (body: typeof big) => attune.api<{ error?: { code: string } }>('POST', '/api/v1/events', body);
    // A write may still fit in the space the database's log file already holds (it is reused from
    // its start once checkpointed): small events use it up, until one is refused, and with a 507.
    const small = { trigger_ref: 'load.hit', payload: { text: 'x'.repeat(4_000) } };
    let accepted = 0;
    for (let answer = await post(small); answer.status !== 507; answer = await post(small)) {
      expect(answer.status).toBe(201);
      expect(++accepted).toBeLessThan(2_000);
    }
    const writes = [];
    for (let i = 0; i < 5; i++) writes.push(await post(big));
    expect(writes.map((w) => [w.status, w.body.error?.code])).toEqual(Array.from({ length: 5 }, () => [507, 'ERR_STORAGE_FULL']));
    expect((await attune.api('GET', '/api/v1/health')).status).toBe(200);
    expect((await attune.api('GET', '/api/v1/events?limit=5')).status).toBe(200);
    expect((await attune.cli(['execution', 'list'])).code).toBe(0);

    writeFileSync(go, '');
    // The worker holds the outcome and says so on stderr (the log file is on the full disk).
    await until(() => Promise.resolve(attune.output), (text) => text.includes('could not record the execution outcome'));
    expect((await attune.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${longRun}`)).body.data.status).toBe('running');

    rmSync(filler);
    const done = await attune.waitForExecution(longRun, (e) => e.status !== 'running');
    expect(done.status).toBe('completed');
    expect(done.result?.stdout).toBe('x'.repeat(20_000));
    const event = await attune.api<{ data: { id: number } }>('POST', '/api/v1/events', big);
    expect(event.status).toBe(201);
    await until(
      () => attune.api<{ data: (ExecutionBody & { event_id: number })[] }>('GET', '/api/v1/executions?rule_ref=load.run'),
      (r) => r.body.data.some((e) => e.event_id === event.body.data.id && e.status === 'completed'),
    );
    // What was logged while the disk was full reaches the log file once it can be written.
    const logFile = path.join(home, 'logs', 'attune.log');
    await until(() => Promise.resolve(existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''), (text) => text.includes('ERR_STORAGE_FULL'));
    expect(attune.pid !== undefined && isAlive(attune.pid)).toBe(true);
    expect(await attune.stop()).toBe(0);
  }, 60_000);
});
