import { describe, expect, it } from 'vitest';
import { Spawner } from './spawner-client.js';

const request = (args: string[]) => ({
  command: 'sh', // not bash -c, which reads ~/.bashrc when its stdin is a socket
  args,
  cwd: '/',
  env: { PATH: '/usr/bin:/bin' },
  stdin: 'from stdin',
  maxOutputBytes: 1024,
});

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('Spawner', () => {
  it('runs a process in the helper and reports its pid, output and exit', async () => {
    const spawner = new Spawner();
    const spawned = spawner.spawn(request(['-c', 'cat; echo oops >&2; exit 3']));
    expect(await spawned.pid).toBeGreaterThan(0);
    expect(await spawned.exit).toMatchObject({ code: 3, stdout: 'from stdin', stderr: 'oops\n' });
    spawner.close();
  });

  it('stops an idle helper, and starts one again when needed', async () => {
    const spawner = new Spawner({ idleMs: 50 });
    await spawner.spawn(request(['-c', 'true'])).exit;
    const first = spawner.helperPid as number;
    for (let i = 0; i < 100 && alive(first); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(alive(first)).toBe(false);
    expect((await spawner.spawn(request(['-c', 'echo back'])).exit).stdout).toBe('back\n');
    spawner.close();
  });

  it('reports a program that cannot start', async () => {
    const spawner = new Spawner();
    const spawned = spawner.spawn({ ...request([]), command: '/nonexistent/program' });
    expect(await spawned.pid).toBeUndefined();
    expect((await spawned.exit).spawnError?.code).toBe('ENOENT');
    spawner.close();
  });

  it('fails the runs of a helper that dies, and starts a new helper for the next', async () => {
    const spawner = new Spawner();
    const spawned = spawner.spawn(request(['-c', 'sleep 30']));
    const pid = await spawned.pid;
    const helper = spawner.helperPid;
    expect(pid).toBeGreaterThan(0);
    process.kill(helper as number, 'SIGKILL');
    await expect(spawned.exit).rejects.toThrow(/spawner process exited/);
    const next = spawner.spawn(request(['-c', 'echo again']));
    expect((await next.exit).stdout).toBe('again\n');
    expect(spawner.helperPid).not.toBe(helper);
    process.kill(-(pid as number), 'SIGKILL'); // the orphan of the killed helper (the worker does this itself)
    expect(alive(helper as number)).toBe(false);
    spawner.close();
  });
});
