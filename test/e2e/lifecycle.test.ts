import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { AttuneProcess, type ExecutionBody, isAlive, isTerminal, makeHome, pidIn, runCli, until, writePack } from './harness.js';

/** An action that reports its own pid, then sleeps, so a test can tell whether it still runs. */
function writeSleeperPack(home: string): void {
  writePack(path.join(home, 'packs', 'lifecycle'), {
    'pack.yaml': 'ref: lifecycle\nversion: 1.0.0\n',
    'actions/sleeper.sh': 'echo "$$" > "$ATTUNE_EXEC_ID.pid.tmp" && mv "$ATTUNE_EXEC_ID.pid.tmp" "$ATTUNE_EXEC_ID.pid"\nsleep 20\n',
    'actions/sleeper.yaml': 'name: sleeper\nrunner_type: shell\nentry_point: sleeper.sh\n',
  });
}

async function startSleeper(attune: AttuneProcess): Promise<{ id: number; pid: number }> {
  const created = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: 'lifecycle.sleeper' });
  expect(created.status).toBe(201);
  const id = created.body.data.id;
  await attune.waitForExecution(id, (e) => e.status === 'running');
  const pid = await until(() => pidIn(path.join(attune.home, 'packs', 'lifecycle', 'actions', `${id}.pid`)), (n) => n > 0, 20);
  return { id, pid };
}

describe('attune up lifecycle', () => {
  const processes: AttuneProcess[] = [];
  const track = (p: AttuneProcess) => (processes.push(p), p);
  afterEach(async () => {
    for (const p of processes.splice(0)) await p.cleanup();
  });

  it('keeps execution history across a restart', async () => {
    const first = track(new AttuneProcess());
    await first.start();
    const run = await first.cli(['run', 'core.echo', 'message=remember me', '-o', 'json']);
    const { id } = JSON.parse(run.stdout) as ExecutionBody;
    expect(await first.stop('SIGTERM')).toBe(0);

    const second = track(new AttuneProcess(first.home));
    await second.start();
    const shown = await second.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${id}`);
    expect(shown.body.data.status).toBe('completed');
    expect(shown.body.data.result?.stdout).toBe('remember me\n');
  });

  it('stops running actions on SIGTERM and leaves no execution running', async () => {
    const home = makeHome();
    writeSleeperPack(home);
    const attune = track(new AttuneProcess(home));
    await attune.start();
    const { id, pid } = await startSleeper(attune);
    expect(await attune.stop('SIGTERM')).toBe(0);
    expect(isAlive(pid)).toBe(false);

    const again = track(new AttuneProcess(home));
    await again.start();
    const execution = (await again.api<{ data: ExecutionBody }>('GET', `/api/v1/executions/${id}`)).body.data;
    expect(isTerminal(execution)).toBe(true);
    expect(execution.status).toBe('abandoned');
  });

  it('marks an execution left running by a killed process as abandoned, and ends its orphaned action', async () => {
    const home = makeHome();
    writeSleeperPack(home);
    const attune = track(new AttuneProcess(home));
    await attune.start();
    const { id, pid } = await startSleeper(attune);
    await attune.stop('SIGKILL');
    // Its spawner helper sees attune up go and kills the actions it started.
    await until(() => isAlive(pid), (alive) => !alive);

    const restarted = track(new AttuneProcess(home));
    await restarted.start();
    // Embedded: abandoned as it starts; distributed: once the dead worker's heartbeat times out.
    const execution = await restarted.waitForExecution(id, isTerminal);
    expect(execution.status).toBe('abandoned');
    expect(execution.result?.error).toContain('abandoned');
  });

  it('refuses a second attune up on the same data dir', async () => {
    const attune = track(new AttuneProcess());
    await attune.start();
    const second = await runCli(['up', '--home', attune.home]);
    expect(second.code).not.toBe(0);
    expect(second.stderr).toContain('already running');
    const health = await attune.api('GET', '/api/v1/health');
    expect(health.status).toBe(200);
  });

  it('loads packs from the data dir at start', async () => {
    const home = makeHome();
    writeSleeperPack(home);
    const attune = track(new AttuneProcess(home));
    await attune.start();
    const action = await attune.api<{ data: { ref: string; runner_type: string } }>('GET', '/api/v1/actions/lifecycle.sleeper');
    expect(action.status).toBe(200);
    expect(action.body.data.runner_type).toBe('shell');
  });
});
