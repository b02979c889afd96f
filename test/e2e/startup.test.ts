import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, describeEmbeddedOnly, makeHome, runCli, writePack } from './harness.js';

describeEmbeddedOnly('the exclusive lock of the SQLite file', 'attune up decides "already running" from the database, not from a pid', () => {
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

describe('shell actions start without the operator’s shell start-up files', () => {
  const processes: AttuneProcess[] = [];
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.cleanup();
  });

  it('reads no ~/.bashrc or profile, and core.shell runs the command in one /bin/sh', async () => {
    const operatorHome = mkdtempSync(path.join(tmpdir(), 'attune-e2e-operator-'));
    const marker = path.join(operatorHome, 'startup-file-was-read');
    for (const file of ['.bashrc', '.bash_profile', '.bash_login', '.profile']) {
      writeFileSync(path.join(operatorHome, file), `echo "${file}" >> "${marker}"\n`);
    }
    const home = makeHome();
    writePack(path.join(home, 'packs', 'plain'), {
      'pack.yaml': 'ref: plain\nversion: 1.0.0\n',
      'actions/hello.sh': 'echo "hello from $HOME"\n',
      'actions/hello.yaml': 'name: hello\nrunner_type: shell\nentry_point: hello.sh\n',
    });
    const attune = new AttuneProcess(home, { HOME: operatorHome });
    processes.push(attune);
    await attune.start();
    try {
      const hello = await attune.cli(['run', 'plain.hello', '-o', 'json']);
      expect((JSON.parse(hello.stdout) as ExecutionBody).result?.stdout).toBe(`hello from ${operatorHome}\n`);
      // The process running the command line is one /bin/sh, which read it from its stdin: the
      // command line is not in its arguments (nor is a `bash -c` started for it).
      const shell = await attune.cli(['run', 'core.shell', "cmd=tr '\\0' ' ' < /proc/$$/cmdline", '-o', 'json']);
      const execution = JSON.parse(shell.stdout) as ExecutionBody;
      expect(execution.status).toBe('completed');
      expect(execution.result?.stdout).toMatch(/^\/bin\/sh -c IFS= read -r n /);
      expect(execution.result?.stdout).not.toContain('/proc/');
      expect(existsSync(marker)).toBe(false);
    } finally {
      rmSync(operatorHome, { recursive: true, force: true });
    }
  });
});
