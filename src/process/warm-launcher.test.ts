import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { type Containment, createCell, detectContainment, type Launch, type OutputSink, releaseCell, SupervisedChild, WarmLauncher } from './index.js';
import { isAlive, killAll } from '../../test/support/processes.js';
import { waitFor } from '../../test/support/wait.js';

const ENV = { PATH: '/usr/bin:/bin' };
const dir = mkdtempSync(path.join(tmpdir(), 'attune-warm-'));
const launchers: WarmLauncher[] = [];
const spares: number[] = [];
afterEach(async () => {
  for (const launcher of launchers.splice(0)) await launcher.close();
});
afterAll(() => {
  killAll(spares); // only left when a test failed
  rmSync(dir, { recursive: true, force: true });
});

function collect(): OutputSink & { text(): string } {
  const chunks: Buffer[] = [];
  return { push: (chunk) => chunks.push(chunk), text: () => Buffer.concat(chunks).toString('utf8') };
}

/** A launcher whose spare is up. */
async function readyLauncher(containment?: Containment): Promise<{ launcher: WarmLauncher; spare: number }> {
  const launcher = new WarmLauncher(containment);
  launchers.push(launcher);
  await waitFor(() => launcher.sparePid !== undefined);
  const spare = launcher.sparePid as number;
  spares.push(spare);
  return { launcher, spare };
}

/** Runs `launch` as the process runner does: from the spare when the launcher gives it, else spawned. */
async function run(launcher: WarmLauncher, launch: Launch, stdin = '', containment?: Containment) {
  const stdout = collect();
  const stderr = collect();
  const warm = launcher.take(launch, containment);
  const child = new SupervisedChild({ launch, adopt: warm?.child, cell: warm?.cell, stdout, stderr });
  child.endInput(stdin);
  const exit = await child.closed;
  await releaseCell(warm?.cell);
  return { pid: child.pid, exit, stdout: stdout.text(), stderr: stderr.text(), cell: warm?.cell };
}

describe('WarmLauncher', () => {
  it('starts a run from its spare, which becomes the program with the same pid, and readies the next', async () => {
    const { launcher, spare } = await readyLauncher();
    const ran = await run(launcher, { command: 'sh', args: ['-c', 'echo "$$"; exit 3'], cwd: '/', env: ENV });
    expect(ran.pid).toBe(spare);
    expect(ran.stdout).toBe(`${spare}\n`);
    expect(ran.exit).toEqual({ code: 3, signal: null });
    await waitFor(() => launcher.sparePid !== undefined);
    expect(launcher.sparePid).not.toBe(spare);
    spares.push(launcher.sparePid as number);
  });

  it('gives the program exactly its environment, arguments, directory and stdin, all taken as plain text', async () => {
    const { launcher, spare } = await readyLauncher();
    const env = { ...ENV, ATTUNE_NOTE: `a  b $(touch ${dir}/bad) "q" 'r' \`x\` \\n *`, ATTUNE_EMPTY: '' };
    const args = ['-c', 'pwd; for a in "$@"; do printf "[%s]\\n" "$a"; done; cat; echo; exec env', 'sh', ' two  spaces ', '$HOME', '', '*'];
    const ran = await run(launcher, { command: 'sh', args, cwd: dir, env }, 'the parameters\n{"x": 1}');
    expect(ran.pid).toBe(spare);
    const [pwd, ...rest] = ran.stdout.split('\n');
    expect(pwd).toBe(dir);
    expect(rest.slice(0, 4)).toEqual(['[ two  spaces ]', '[$HOME]', '[]', '[*]']);
    expect(rest.slice(4, 6)).toEqual(['the parameters', '{"x": 1}']);
    // sh itself adds PWD (as it would when spawned directly); nothing else is added or lost.
    const printed = rest.slice(6).filter((line) => line !== '' && !line.startsWith('PWD='));
    expect(printed.sort()).toEqual(Object.entries(env).map(([name, value]) => `${name}=${value}`).sort());
    expect(existsSync(path.join(dir, 'bad'))).toBe(false);
    expect(isAlive(spare)).toBe(false);
  });

  it('leaves a launch it cannot pass exactly to a spawn of its own', async () => {
    const { launcher, spare } = await readyLauncher();
    const note = "one\n'two'\n";
    const multiLine = await run(launcher, { command: 'sh', args: ['-c', 'printf "%s|%s" "$ATTUNE_NOTE" "$1"', 'sh', note], cwd: '/', env: { ...ENV, ATTUNE_NOTE: note } });
    expect(multiLine.stdout).toBe(`${note}|${note}`);
    const lowerCase = await run(launcher, { command: 'sh', args: ['-c', 'echo "$n"'], cwd: '/', env: { ...ENV, n: '5' } });
    expect(lowerCase.stdout).toBe('5\n');
    const special = await run(launcher, { command: 'env', args: [], cwd: '/', env: { ...ENV, IFS: ':' } });
    expect(special.stdout).toContain('IFS=:\n');
    expect([multiLine.pid, lowerCase.pid, special.pid]).not.toContain(spare);
    expect(launcher.sparePid).toBe(spare);
  });

  it('lets a program that cannot be executed fail to start, as a spawn does', async () => {
    const { launcher, spare } = await readyLauncher();
    const ran = await run(launcher, { command: path.join(dir, 'missing'), args: [], cwd: '/', env: ENV });
    expect(ran.exit.spawnError?.code).toBe('ENOENT');
    expect(launcher.sparePid).toBe(spare);
  });

  it('replaces a spare killed while it waited, and ends its spare when closed', async () => {
    const { launcher, spare } = await readyLauncher();
    process.kill(spare, 'SIGKILL');
    await waitFor(() => launcher.sparePid === undefined);
    const ran = await run(launcher, { command: 'sh', args: ['-c', 'echo ok'], cwd: '/', env: ENV });
    expect(ran.stdout).toBe('ok\n');
    await waitFor(() => launcher.sparePid !== undefined);
    const next = launcher.sparePid as number;
    spares.push(next);
    void launcher.close();
    expect(launcher.sparePid).toBeUndefined();
    await waitFor(() => !isAlive(next));
  });

  const cgroup = process.platform === 'linux' ? detectContainment('auto') : { error: 'not Linux' };
  const hasCgroup = 'containment' in cgroup && cgroup.containment.kind.startsWith('cgroup');
  it.runIf(hasCgroup)('keeps its spare in a cell made ahead, which the run takes over, and refuses a run contained otherwise', async () => {
    const containment = (cgroup as { containment: Containment }).containment;
    const { launcher, spare } = await readyLauncher(containment);
    const uncontained = await run(launcher, { command: 'sh', args: ['-c', 'echo free'], cwd: '/', env: ENV });
    expect(uncontained.pid).not.toBe(spare);
    const ran = await run(launcher, { command: 'cat', args: ['/proc/self/cgroup'], cwd: '/', env: ENV }, '', containment);
    expect(ran.pid).toBe(spare);
    expect(ran.cell?.kind).toBe(containment.kind);
    const tag = ran.cell?.tag ?? '';
    expect(ran.stdout.split('\n').some((line) => line.length > 0 && tag.endsWith(line.slice(line.lastIndexOf(':') + 1)))).toBe(true);
    // Kept, empty, after the run (the next spare was given its cell as the run started), for the next cell asked for.
    await waitFor(() => launcher.sparePid !== undefined);
    spares.push(launcher.sparePid as number);
    const again = createCell(containment);
    expect(again?.tag).toBe(tag);
    expect(await releaseCell(again)).toBe(true);
  });
});
