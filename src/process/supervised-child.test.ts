import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeChildExit, type OutputSink, STOP_SIGNALS, SupervisedChild } from './index.js';
import { isAlive, killAll } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';

const ENV = { PATH: '/usr/bin:/bin' };
const leftovers: number[] = [];
const dir = mkdtempSync(path.join(tmpdir(), 'attune-child-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  killAll(leftovers); // an escapee, by design of its test, or one a failed test left
});

function collect(): OutputSink & { text(): string; readonly ends: number } {
  const chunks: Buffer[] = [];
  let ends = 0;
  return {
    push: (chunk) => chunks.push(chunk),
    end: () => (ends += 1),
    text: () => Buffer.concat(chunks).toString('utf8'),
    get ends() {
      return ends;
    },
  };
}

function sh(script: string) {
  const stdout = collect();
  const stderr = collect();
  const child = new SupervisedChild({ launch: { command: 'sh', args: ['-c', script], cwd: '/', env: ENV }, stdout, stderr });
  return { child, stdout, stderr };
}

/** Resolves once `sink` has received a line, i.e. the script got that far. */
async function lineFrom(sink: ReturnType<typeof collect>): Promise<string> {
  await waitFor(() => sink.text().includes('\n'));
  return sink.text().trim();
}

describe.runIf(process.platform === 'linux')('SupervisedChild', () => {
  it('feeds stdin and reads stdout and stderr to the end', async () => {
    const { child, stdout, stderr } = sh('cat; echo oops >&2; exit 3');
    child.endInput('from stdin');
    expect(await child.closed).toEqual({ code: 3, signal: null });
    expect(stdout.text()).toBe('from stdin');
    expect(stderr.text()).toBe('oops\n');
    expect([stdout.ends, stderr.ends]).toEqual([1, 1]);
  });

  it('ends what is left of its process group when it exits', async () => {
    const { child, stdout } = sh("(trap '' TERM HUP; exec sleep 300) & echo $!");
    await child.closed;
    const background = Number(stdout.text().trim());
    leftovers.push(background);
    await waitFor(() => !isAlive(background)); // the test's timeout bounds the wait
  });

  it('stops reading output a descendant that left the group keeps open', async () => {
    // No cell: only the drain deadline ends the wait for a pipe the escapee holds. Its pid is
    // written after setsid, so it has truly left the group when the script exits.
    const file = path.join(dir, 'escapee.pid');
    const { child } = sh(`setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 300' '${file}' & while [ ! -e '${file}' ]; do sleep 0.01; done`);
    const exit = await child.closed;
    const escapee = Number(readFileSync(file, 'utf8'));
    leftovers.push(escapee);
    expect(exit).toEqual({ code: 0, signal: null });
    expect(isAlive(escapee)).toBe(true);
  });

  it('escalates to SIGKILL for a process that ignores SIGTERM', async () => {
    const { child, stdout } = sh("trap '' TERM; echo ready; while :; do sleep 0.01; done");
    await lineFrom(stdout);
    expect(await child.stop(STOP_SIGNALS, 50)).toEqual({ code: null, signal: 'SIGKILL' });
  });

  it('reports a program that cannot start as an exit, and throws where spawn() throws', async () => {
    const stdout = collect();
    const missing = new SupervisedChild({ launch: { command: '/nonexistent/program', args: [], cwd: '/', env: ENV }, stdout, stderr: stdout });
    expect(missing.pid).toBeUndefined();
    const exit = await missing.closed;
    expect(exit.spawnError?.code).toBe('ENOENT');
    expect(describeChildExit(exit, '/nonexistent/program')).toMatch(/^could not start \/nonexistent\/program: ENOENT \(/);
    expect(() => new SupervisedChild({ launch: { command: 'sh', args: [], cwd: '/', env: { X: 'a\0b' } }, stdout, stderr: stdout })).toThrow();
  });
});
