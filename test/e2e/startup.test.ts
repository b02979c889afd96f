import { type ChildProcess, spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttuneProcess, makeHome, runCli } from './harness.js';

describe('attune up decides "already running" from the database, not from a pid', () => {
  const processes: AttuneProcess[] = [];
  const others: ChildProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.cleanup();
    for (const other of others.splice(0)) other.kill('SIGKILL');
  });

  it('starts over a stale api.json whose pid now belongs to an unrelated live process', async () => {
    const unrelated = spawn('sleep', ['300'], { stdio: 'ignore' });
    others.push(unrelated);
    const home = makeHome();
    writeFileSync(path.join(home, 'api.json'), `${JSON.stringify({ url: 'http://127.0.0.1:9', pid: unrelated.pid })}\n`);
    const attune = new AttuneProcess(home);
    processes.push(attune);
    await attune.start({ keepApiFile: true });
    expect(attune.url).not.toBe('http://127.0.0.1:9');
    expect((await attune.api('GET', '/api/v1/health')).status).toBe(200);
  });

  it('refuses a second attune up on the same database even when api.json is gone', async () => {
    const attune = new AttuneProcess();
    processes.push(attune);
    await attune.start();
    rmSync(path.join(attune.home, 'api.json'));
    const second = await runCli(['up', '--home', attune.home]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('ERR_ALREADY_RUNNING');
    expect((await attune.api('GET', '/api/v1/health')).status).toBe(200);
  });
});
