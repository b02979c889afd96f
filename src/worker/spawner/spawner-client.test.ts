import { fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { HELPER_EXIT_CODES } from './protocol.js';
import { Spawner } from './spawner-client.js';
import { isAlive } from '../../../test/support/processes.js';
import { waitFor } from '../../../test/support/wait.js';

const request = (args: string[]) => ({
  command: 'sh', // not bash -c, which reads ~/.bashrc when its stdin is a socket
  args,
  cwd: '/',
  env: { PATH: '/usr/bin:/bin' },
  stdin: 'from stdin',
  maxOutputBytes: 1024,
});

describe('Spawner', () => {
  it('runs a process in the helper and reports its pid, output and exit', async () => {
    const spawner = new Spawner({ entry: inject('spawnerEntry') });
    const spawned = spawner.spawn(request(['-c', 'cat; echo oops >&2; exit 3']));
    expect(await spawned.pid).toBeGreaterThan(0);
    expect(await spawned.exit).toMatchObject({ code: 3, stdout: 'from stdin', stderr: 'oops\n' });
    spawner.close();
  });

  it('stops an idle helper, and starts one again when needed', async () => {
    const spawner = new Spawner({ idleMs: 50, entry: inject('spawnerEntry') });
    await spawner.spawn(request(['-c', 'true'])).exit;
    const first = spawner.helperPid as number;
    await waitFor(() => !isAlive(first));
    expect((await spawner.spawn(request(['-c', 'echo back'])).exit).stdout).toBe('back\n');
    spawner.close();
  });

  it('reports a program that cannot start', async () => {
    const spawner = new Spawner({ entry: inject('spawnerEntry') });
    const spawned = spawner.spawn({ ...request([]), command: '/nonexistent/program' });
    expect(await spawned.pid).toBeUndefined();
    expect((await spawned.exit).spawnError?.code).toBe('ENOENT');
    spawner.close();
  });

  it('fails the runs of a helper that dies, and starts a new helper for the next', async () => {
    const spawner = new Spawner({ entry: inject('spawnerEntry') });
    const spawned = spawner.spawn(request(['-c', 'sleep 30']));
    const pid = await spawned.pid;
    const helper = spawner.helperPid;
    expect(pid).toBeGreaterThan(0);
    process.kill(helper as number, 'SIGKILL');
    await expect(spawned.exit).rejects.toThrow(/spawner process exited \(killed by SIGKILL\b.*\) while the action ran/);
    const next = spawner.spawn(request(['-c', 'echo again']));
    expect((await next.exit).stdout).toBe('again\n');
    expect(spawner.helperPid).not.toBe(helper);
    process.kill(-(pid as number), 'SIGKILL'); // the orphan of the killed helper (the worker does this itself)
    expect(isAlive(helper as number)).toBe(false);
    spawner.close();
  });
});

// Stand-ins for a broken helper, to see what the worker makes of it.
const dir = mkdtempSync(path.join(tmpdir(), 'attune-fake-spawner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeHelper(name: string, body: string): string {
  const file = path.join(dir, `${name}.mjs`);
  writeFileSync(file, body);
  return file;
}

describe('Spawner protocol', () => {
  it('sends no work before the helper says it is ready', async () => {
    // Answers a request with code 0 once ready, 99 before: only a client that waits sees 0.
    const entry = fakeHelper(
      'slow-ready',
      `let isReady = false;
      process.on('message', (m) => process.send({ type: 'exit', id: m.id, code: isReady ? 0 : 99, signal: null, stdout: '', stderr: '' }));
      setTimeout(() => { isReady = true; process.send({ type: 'ready' }); }, 300);`,
    );
    const spawner = new Spawner({ entry });
    expect((await spawner.spawn(request([])).exit).code).toBe(0);
    spawner.close();
  });

  it('fails the runs of a helper that sends a malformed reply, with the reason, and lets it go', async () => {
    const entry = fakeHelper(
      'bad-reply',
      `process.on('message', (m) => process.send({ type: 'spawned', id: m.id, pid: 'soon' }));
      process.on('disconnect', () => process.exit(0));
      process.send({ type: 'ready' });`,
    );
    const spawner = new Spawner({ entry });
    const spawned = spawner.spawn(request([]));
    const helper = spawner.helperPid as number;
    await expect(spawned.exit).rejects.toThrow('the spawner process sent an ill-formed spawned message (bad pid)');
    expect(await spawned.pid).toBeUndefined();
    await waitFor(() => !isAlive(helper));
    spawner.close();
  });

  it('tells why a helper died before it was ready', async () => {
    const spawner = new Spawner({ entry: fakeHelper('crash', "throw new Error('no luck');") });
    await expect(spawner.spawn(request([])).exit).rejects.toThrow(
      'the spawner process exited before it was ready (exit code 1: an uncaught exception; its stderr says which)',
    );
    spawner.close();
  });

  it('fails the run when there is no helper program, rather than run another', async () => {
    const spawner = new Spawner({ entry: path.join(dir, 'missing.js') });
    await expect(spawner.spawn(request([])).exit).rejects.toThrow(/spawner helper .*missing\.js does not exist: build Attune/);
    spawner.close();
  });

  it('has the helper refuse a malformed request: the one run when it names it, else the helper exits', async () => {
    const helper = fork(inject('spawnerEntry'), [], { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] });
    const messages: unknown[] = [];
    helper.on('message', (message) => messages.push(message));
    const exited = new Promise<number | null>((resolve) => helper.once('exit', resolve));
    await waitFor(() => messages.length > 0);
    expect(messages[0]).toEqual({ type: 'ready' });
    helper.send({ type: 'spawn', id: 7, command: ['sh'] });
    await waitFor(() => messages.length > 1);
    expect(messages[1]).toMatchObject({ type: 'exit', id: 7, spawnError: { code: 'EPROTO', message: 'the spawner helper refused a spawn request with a bad command' } });
    helper.send({ type: 'shutdown' });
    expect(await exited).toBe(HELPER_EXIT_CODES.badRequest);
  });
});
