import { randomUUID } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Action } from '../domain/index.js';
import { WarmLauncher } from '../process/index.js';
import { ActionRunner, Spawner, type RunOutcome, type RunRequest } from './index.js';
import { isAlive } from '../../test/support/processes.js';
import { until, waitFor } from '../../test/support/wait.js';
import { testAction } from '../../test/support/actions.js';
import { START_MODES, startModeHooks } from '../../test/support/start-modes.js';

// The shell-cmd runner: an action whose program is its `cmd` parameter, run by /bin/sh once.

const DECLARES_CMD = { cmd: { type: 'string', required: true }, cwd: { type: 'string' } } as const;
const DECLARES_N = { ...DECLARES_CMD, n: { type: 'integer' } } as const;

let packPath: string;
let parametersDir: string;
let spawner: Spawner | undefined;
let launcher: WarmLauncher | undefined;

beforeAll(async () => {
  packPath = await mkdtemp(join(tmpdir(), 'attune-shell-cmd-test-'));
  parametersDir = join(packPath, 'parameters');
  await mkdir(join(packPath, 'actions', 'sub'), { recursive: true });
});

afterAll(async () => {
  await rm(packPath, { recursive: true, force: true });
});

function makeAction(overrides: Partial<Action>): Action {
  return testAction({ ref: 'test.cmd', label: 'Command line', runnerType: 'shell-cmd', entryPoint: '', ...overrides });
}

function request(parameters: Record<string, unknown>, action: Partial<Action> = {}, timeoutSeconds = 30): RunRequest {
  return {
    executionId: 9,
    action: makeAction(action),
    packPath,
    parameters,
    timeoutSeconds,
    env: { ATTUNE_ACTION: 'test.cmd', ATTUNE_PACK_REF: 'test', ATTUNE_EXEC_ID: '9' },
  };
}

const runner = (): ActionRunner =>
  new ActionRunner({
    maxOutputBytes: 64 * 1024,
    killGraceMs: 300,
    baseEnv: process.env,
    parametersDir,
    ...(spawner ? { spawner } : {}),
    ...(launcher ? { launcher } : {}),
  });

/** Runs `cmd` (with any other parameters), and tells the pid of the process it ran as. */
async function runCmd(cmd: string, more: Record<string, unknown> = {}, action: Partial<Action> = {}): Promise<RunOutcome & { pid: number | undefined }> {
  let pid: number | undefined;
  const outcome = await runner().start({ ...request({ cmd, ...more }, action), onSpawn: (spawned) => (pid = spawned) }).done;
  return { ...outcome, pid };
}

describe.each(START_MODES)('shell-cmd, %s', (mode) => {
  startModeHooks(mode, (tools) => ({ spawner, launcher } = tools));

  it('passes the exit code, stdout and stderr of the command line through', async () => {
    const outcome = await runCmd('echo out; echo err >&2; exit 3');
    expect(outcome.status).toBe('failed');
    expect(outcome.result).toMatchObject({ exit_code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect((await runCmd('true')).status).toBe('completed');
  });

  it('runs a multi-line command line with quotes, $() and newlines exactly as written', async () => {
    const cmd = [
      `x="a  b"; printf '%s|' "$x" 'it'"'"'s' "$(echo "sub $(echo nested)")" "$#"`,
      'echo',
      "cat <<'END'",
      '$HOME `not run` $(not run either) \\n',
      'END',
      'f() { echo "in f: $1"; }; f "one arg"',
    ].join('\n');
    const outcome = await runCmd(cmd);
    expect(outcome.result.stderr).toBe('');
    expect(outcome.result.stdout).toBe('a  b|it\'s|sub nested|0|\n$HOME `not run` $(not run either) \\n\nin f: one arg\n');
    expect(outcome.status).toBe('completed');
  });

  it('runs as one /bin/sh, with the command line in neither its arguments nor its environment', async () => {
    const secret = `secret-${randomUUID()}`;
    // The sh's own argv and environment, and those of a sleep it starts, as anyone could read them in /proc.
    const cmd = [
      `# ${secret}`,
      'sleep 1000 & sleeper=$!',
      `for f in /proc/$$/cmdline /proc/$$/environ /proc/$sleeper/cmdline /proc/$sleeper/environ; do tr '\\0' '\\n' < "$f"; echo; done`,
      'echo "pid $$"',
      'kill $sleeper',
    ].join('\n');
    const outcome = await runCmd(cmd);
    expect(outcome.status).toBe('completed');
    const stdout = outcome.result.stdout ?? '';
    expect(stdout).not.toContain(secret);
    const [command, option] = stdout.split('\n');
    expect([command, option]).toEqual(['/bin/sh', '-c']);
    // The action's process (its group leader, signalled on timeout or cancel) is the sh itself.
    expect(stdout).toContain(`\npid ${outcome.pid}\n`);
  });

  it('writes no file for the command line, and removes a parameters file when the run ends', async () => {
    const outcome = await runCmd(`ls -A '${parametersDir}' 2>/dev/null | wc -l`);
    expect(outcome.result.stdout?.trim()).toBe('0');
    const withFile = await runCmd('test -s "$ATTUNE_PARAMETERS_FILE" && exit 1', { n: 1 }, { parameters: DECLARES_N, parameterDelivery: 'file' });
    expect(withFile.result.exit_code).toBe(1);
    expect(await readdir(parametersDir)).toEqual([]);
  });

  it('runs in the cwd parameter, relative to the actions folder, and else in the actions folder', async () => {
    const other = await mkdtemp(join(tmpdir(), 'attune-shell-cmd-cwd-'));
    try {
      expect((await runCmd('pwd', { cwd: other })).result.stdout).toBe(`${other}\n`);
      expect((await runCmd('pwd', { cwd: 'sub' })).result.stdout).toBe(`${join(packPath, 'actions', 'sub')}\n`);
      expect((await runCmd('pwd')).result.stdout).toBe(`${join(packPath, 'actions')}\n`);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('fails without starting anything when the cwd parameter is not a directory', async () => {
    const missing = join(packPath, 'no-such-dir');
    const outcome = await runCmd('echo never', { cwd: missing });
    expect(outcome).toMatchObject({ status: 'failed', pid: undefined });
    expect(outcome.result.error).toBe(`the working directory ${missing} does not exist or is not a directory`);
  });

  it('gives the command an empty stdin when the action declares no parameter besides cmd and cwd', async () => {
    const outcome = await runCmd('cat; echo "end ${ATTUNE_PARAMETERS_FILE-none}"', { cwd: '' }, { parameters: DECLARES_CMD, parameterDelivery: 'file' });
    expect(outcome.result.stdout).toBe('end none\n');
  });

  it('gives the command its other parameters on stdin, or in the parameters file with empty stdin', async () => {
    const onStdin = await runCmd('cat', { n: 1 }, { parameters: DECLARES_N });
    expect(JSON.parse(onStdin.result.stdout ?? '')).toEqual({ n: 1 });
    const cmd = 'printf "stdin=[%s]\\n" "$(cat)"; cat "$ATTUNE_PARAMETERS_FILE"';
    const inFile = await runCmd(cmd, { n: 1 }, { parameters: DECLARES_N, parameterDelivery: 'file' });
    expect(inFile.result.stdout).toBe(`stdin=[]\n${JSON.stringify({ n: 1 })}`);
  });

  it('is started the way this mode starts actions', async () => {
    if (launcher) await waitFor(() => launcher?.sparePid !== undefined);
    const spare = launcher?.sparePid;
    const outcome = await runCmd('echo $PPID');
    expect(outcome.result.stdout).toBe(`${spawner?.helperPid ?? process.pid}\n`);
    if (spare !== undefined) expect(outcome.pid).toBe(spare);
  });

  it('times out and is cancelled with everything it started', async () => {
    const timedOut = await runner().start(request({ cmd: 'sleep 1000 & echo $!; wait' }, {}, 1)).done;
    expect(timedOut.status).toBe('timeout');
    const sleeper = Number((timedOut.result.stdout ?? '').trim());
    expect(sleeper).toBeGreaterThan(0);
    await until(() => isAlive(sleeper), (alive) => !alive);

    let pid: number | undefined;
    const running = runner().start({ ...request({ cmd: 'sleep 1000' }), onSpawn: (spawned) => (pid = spawned) });
    await waitFor(() => pid !== undefined);
    running.cancel();
    expect((await running.done).status).toBe('cancelled');
    await until(() => isAlive(pid ?? 0), (alive) => !alive);
  });
});

it('fails clearly when the action was given no cmd', async () => {
  const outcome = await runner().start(request({})).done;
  expect(outcome.status).toBe('failed');
  expect(outcome.result.error).toMatch(/cmd/);
});
