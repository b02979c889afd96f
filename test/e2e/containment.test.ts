import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detectContainment } from '../../src/process/index.js';
import { AttuneProcess, type ExecutionBody, isAlive, isTerminal, itEmbeddedOnly, killAll, makeHome, pidIn, until, writePack } from './harness.js';

// Everything an action or sensor starts ends with it, even a child that left its process group
// with setsid; and a sensor orphaned by a kill -9 of `attune up` is ended before its next copy.

/**
 * A shell snippet that starts `sleep 300` in a session of its own, detached from every pipe, and
 * waits until it is there (it writes its pid into `file` only after setsid): only containment
 * can find it then, not a signal to the process group.
 */
function escape(file: string): string {
  return [
    `setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 300' "${file}" </dev/null >/dev/null 2>&1 &`,
    `while [ ! -e "${file}" ]; do sleep 0.01; done`,
    '',
  ].join('\n');
}

function writeEscapePack(home: string): string {
  return writePack(path.join(home, 'packs', 'escape'), {
    'pack.yaml': 'ref: escape\nversion: 1.0.0\n',
    'actions/and_exit.sh': escape('$ATTUNE_EXEC_ID.escapee'),
    'actions/and_exit.yaml': 'name: and_exit\nrunner_type: shell\nentry_point: and_exit.sh\n',
    'actions/and_wait.sh': `${escape('$ATTUNE_EXEC_ID.escapee')}sleep 300\n`,
    'actions/and_wait.yaml': 'name: and_wait\nrunner_type: shell\nentry_point: and_wait.sh\n',
    'triggers/poke.yaml': 'name: poke\n',
    'sensors/escaper.sh': `${escape('escaper.escapee')}exec sleep 300\n`,
    'sensors/escaper.yaml': 'name: escaper\nrunner_type: shell\nentry_point: escaper.sh\ntrigger_types: [escape.poke]\n',
    'rules/poked.yaml': 'name: poked\ntrigger_ref: escape.poke\naction_ref: core.noop\n',
  });
}

/** Pids of `sleep` processes whose working directory is `dir`. */
function sleepersIn(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'sleep' && readlinkSync(`/proc/${entry}/cwd`) === dir) pids.push(Number(entry));
    } catch {
      // exited while we looked, or not ours to read
    }
  }
  return pids.filter(isAlive);
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

// `auto` is a cgroup where one is writable (as on Linux CI); `environ` is the fallback elsewhere.
const CONTAINMENTS = ['auto', 'environ'] as const;

// Where `attune up` (started from this process, so in its cgroup) makes its cgroup cells, if it does.
const detected = process.platform === 'linux' ? detectContainment('auto') : undefined;
const cellRoot = detected && 'containment' in detected && detected.containment.kind.startsWith('cgroup') ? detected.containment.root : undefined;

/** The cells made by the process `pid` (named after it: src/process/cell-owner.ts) still there. */
function cellsMadeBy(pid: number | undefined): string[] {
  return cellRoot === undefined || pid === undefined ? [] : readdirSync(cellRoot).filter((name) => name.startsWith(`cell-${pid}-`));
}

describe.runIf(process.platform === 'linux').each(CONTAINMENTS)('containment (%s) of what actions and sensors start', (containment) => {
  const home = makeHome();
  const packDir = writeEscapePack(home);
  const attune = new AttuneProcess(home, { ATTUNE__PROCESS__CONTAINMENT: containment });
  const escapees = new Set<number>();
  beforeAll(async () => {
    await attune.start();
  });
  afterAll(async () => {
    killAll(escapees); // only left when a test failed
    await attune.cleanup();
  });

  async function runEscaping(
    actionRef: string,
    timeoutSeconds: number,
    stop: (id: number) => Promise<void>,
  ): Promise<{ execution: ExecutionBody; escapee: number }> {
    const created = await attune.api<{ data: ExecutionBody }>('POST', '/api/v1/executions', { action_ref: actionRef, timeout_seconds: timeoutSeconds });
    expect(created.status).toBe(201);
    const id = created.body.data.id;
    const escapee = await until(() => pidIn(path.join(packDir, 'actions', `${id}.escapee`)), (pid) => pid > 0);
    escapees.add(escapee);
    await stop(id);
    const execution = await attune.waitForExecution(id, isTerminal);
    await until(() => isAlive(escapee), (alive) => !alive);
    return { execution, escapee };
  }

  it('ends a setsid child when its action completes', async () => {
    const { execution } = await runEscaping('escape.and_exit', 60, () => Promise.resolve());
    expect(execution.status).toBe('completed');
  });

  it('ends a setsid child when its action times out', async () => {
    const { execution } = await runEscaping('escape.and_wait', 1, () => Promise.resolve());
    expect(execution.status).toBe('timeout');
  });

  it('ends a setsid child when its action is cancelled', async () => {
    const { execution } = await runEscaping('escape.and_wait', 60, async (id) => {
      expect((await attune.api('POST', `/api/v1/executions/${id}/cancel`)).status).toBe(200);
    });
    expect(execution.status).toBe('cancelled');
  });

  it('ends a setsid child of a sensor once no rule needs the sensor', async () => {
    const escapee = await until(() => pidIn(path.join(packDir, 'sensors', 'escaper.escapee')), (pid) => pid > 0);
    escapees.add(escapee);
    expect((await attune.api('POST', '/api/v1/rules/escape.poked/disable')).status).toBe(200);
    await until(
      () => attune.api<{ data: { status: { state: string } } }>('GET', '/api/v1/sensors/escape.escaper'),
      (r) => r.body.data.status.state === 'stopped',
    );
    await until(() => isAlive(escapee), (alive) => !alive);
  });

  if (containment === 'auto' && cellRoot !== undefined) {
    itEmbeddedOnly('the cells are made by the one attune up process', 'removes the cells it kept for reuse when it stops', async () => {
      const pid = attune.pid;
      // The cells of the runs above, kept for reuse, and the spare's.
      expect(cellsMadeBy(pid).length).toBeGreaterThan(0);
      await attune.stop('SIGTERM');
      expect(cellsMadeBy(pid)).toEqual([]);
    });
  }
});

describe.runIf(process.platform === 'linux').each(CONTAINMENTS)('a sensor orphaned by kill -9 of attune up (containment %s)', (containment) => {
  const processes: AttuneProcess[] = [];
  const sensorPids: number[] = [];
  const sensorDirs: string[] = [];
  afterEach(async () => {
    const started = processes.splice(0);
    for (const p of started) await p.stop('SIGTERM');
    // Only left when the test failed: the orphaned copies and their children.
    killAll(sensorPids.splice(0));
    for (const dir of sensorDirs.splice(0)) killAll(sleepersIn(dir));
    for (const p of started) await p.cleanup();
  });

  itEmbeddedOnly('kill -9 of the one attune up that started the sensor', 'is ended at the next start, so exactly one copy of it runs', async () => {
    const home = makeHome();
    const dir = writePack(path.join(home, 'packs', 'forky'), {
      'pack.yaml': 'ref: forky\nversion: 1.0.0\n',
      'triggers/tock.yaml': 'name: tock\n',
      'sensors/forky.sh': 'for i in $(seq 100); do sleep 300 & done\nwait\n',
      'sensors/forky.yaml': 'name: forky\nrunner_type: shell\nentry_point: forky.sh\ntrigger_types: [forky.tock]\n',
      'rules/tocked.yaml': 'name: tocked\ntrigger_ref: forky.tock\naction_ref: core.noop\n',
    });
    const sensorsDir = path.join(dir, 'sensors');
    sensorDirs.push(sensorsDir);
    const sensorPid = async (p: AttuneProcess) =>
      (await until(() => p.api<{ data: { status: { pid: number | null } } }>('GET', '/api/v1/sensors/forky.forky'), (r) => r.body.data.status.pid !== null)).body.data
        .status.pid as number;
    const childrenOf = (pid: number) => sleepersIn(sensorsDir).filter((child) => parentOf(child) === pid);

    const env = { ATTUNE__PROCESS__CONTAINMENT: containment };
    const first = new AttuneProcess(home, env);
    processes.push(first);
    await first.start();
    const firstSensor = await sensorPid(first);
    await until(() => childrenOf(firstSensor).length, (n) => n === 100);
    sensorPids.push(firstSensor);
    const firstPid = first.pid;
    if (containment === 'auto') expect(cellsMadeBy(firstPid).length).toBeGreaterThan(0);
    await first.stop('SIGKILL');

    const second = new AttuneProcess(home, env);
    processes.push(second);
    await second.start();
    const secondSensor = await sensorPid(second);
    sensorPids.push(secondSensor);
    expect(secondSensor).not.toBe(firstSensor);
    await until(() => childrenOf(secondSensor).length, (n) => n === 100);
    expect(sleepersIn(sensorsDir)).toHaveLength(100);
    expect(isAlive(firstSensor)).toBe(false);
    // The killed one's cells, kept or in use, are gone: its maker is gone, nothing reuses them.
    await until(() => cellsMadeBy(firstPid), (left) => left.length === 0);
  });
});
