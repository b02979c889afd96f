import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { Action } from '../domain/index.js';
import { findExecutable, WarmLauncher } from '../process/index.js';
import { ActionRunner, Spawner, type RunOutcome, type RunRequest } from './index.js';
import { isAlive, isReaped, killAll, pidIn } from '../../test/support/processes.js';
import { until, waitFor } from '../../test/support/wait.js';
import { testAction } from '../../test/support/actions.js';
import { START_MODES, startModeHooks } from '../../test/support/start-modes.js';

const SCRIPTS: Record<string, string> = {
  'echo-stdin.sh': 'cat\n',
  'echo-stdin.js': "process.stdin.pipe(process.stdout);\n",
  'echo-stdin.py': 'import sys\nsys.stdout.write(sys.stdin.read())\n',
  'native.sh': '#!/bin/bash\necho "native $ATTUNE_EXEC_ID"\n',
  'not-executable.sh': '#!/bin/bash\necho never\n',
  'dotenv-message.sh': [
    'while IFS= read -r line; do',
    '  name=${line%%=*}; raw=${line#*=}',
    '  if [ "$name" = message ]; then printf -v v \'%b\' "$raw"; printf \'%s\' "$v"; fi',
    'done',
  ].join('\n'),
  'params-file.sh': 'printf "stdin=[%s]\\n" "$(cat)"\ncat "$ATTUNE_PARAMETERS_FILE"\n',
  'env.sh': 'echo "ATTUNE_ACTION=$ATTUNE_ACTION"\necho "SECRET=${SECRET_FROM_WORKER:-unset}"\n',
  'fail.sh': 'echo "about to fail" >&2\nexit 3\n',
  'ignore-stdin.sh': 'exit 0\n',
  'chatty.sh': 'head -c 5000 /dev/zero | tr "\\0" "x"\necho "tail" >&2\n',
  'json-out.sh': 'echo \'{"answer": 42, "list": [1, 2]}\'\n',
  'jsonl-out.sh': 'echo \'{"n": 1}\'\necho\necho \'{"n": 2}\'\n',
  'bad-json.sh': 'echo "not json"\n',
  'sleepy-group.sh': [
    // A background child that ignores TERM/INT: only the post-exit group sweep can kill it.
    "(trap '' TERM INT; exec sleep 1000) &",
    'echo "$! $$"',
    'sleep 1000',
  ].join('\n'),
  'cancel-me.sh': "(trap '' TERM INT; exec sleep 1000) &\necho \"$! $$\" > cancel-pids.tmp && mv cancel-pids.tmp cancel-pids.txt\nsleep 1000\n",
  'leaves-child.sh': 'sleep 1000 &\necho "$!"\n',
  'slow.sh': 'sleep 0.3\n',
  'ppid.sh': 'echo "$PPID"\n',
  // Exits while a descendant in a session of its own holds stdout open, until the test kills it.
  'exits-holding-output.sh': [
    `setsid sh -c 'echo $$ > holder.pid.tmp && mv holder.pid.tmp holder.pid && exec sleep 1000' &`,
    'while [ ! -e holder.pid ]; do sleep 0.01; done',
    'echo done',
  ].join('\n'),
};

let packPath: string;
/** Every test runs three times: spawning from this process, from a spare started ahead (WarmLauncher), and through the spawner helper process. */
let spawner: Spawner | undefined;
let launcher: WarmLauncher | undefined;
const runner = (maxOutputBytes = 64 * 1024): ActionRunner =>
  new ActionRunner({
    maxOutputBytes,
    killGraceMs: 300,
    baseEnv: { ...process.env, SECRET_FROM_WORKER: 'leak' },
    ...(spawner ? { spawner } : {}),
    ...(launcher ? { launcher } : {}),
  });

beforeAll(async () => {
  packPath = await mkdtemp(join(tmpdir(), 'attune-worker-test-'));
  await mkdir(join(packPath, 'actions'));
  for (const [name, body] of Object.entries(SCRIPTS)) await writeFile(join(packPath, 'actions', name), body);
  await chmod(join(packPath, 'actions', 'native.sh'), 0o755);
});

afterAll(async () => {
  await rm(packPath, { recursive: true, force: true });
});

function makeAction(overrides: Partial<Action>): Action {
  return testAction(overrides);
}

function request(action: Partial<Action>, parameters: Record<string, unknown> = {}, timeoutSeconds = 30): RunRequest {
  return {
    executionId: 7,
    action: makeAction(action),
    packPath,
    parameters,
    timeoutSeconds,
    env: { ATTUNE_ACTION: 'test.action', ATTUNE_PACK_REF: 'test', ATTUNE_EXEC_ID: '7', ATTUNE_API_URL: 'http://127.0.0.1:1' },
  };
}

const run = (action: Partial<Action>, parameters?: Record<string, unknown>): Promise<RunOutcome> =>
  runner().start(request(action, parameters)).done;

/** Signals are delivered asynchronously: waits (bounded by the test's timeout) until none of `pids` runs. */
async function expectDead(pids: readonly number[]): Promise<void> {
  const alive = await until(() => pids.filter(isAlive), (left) => left.length === 0);
  expect(alive).toEqual([]);
}

const hasPython = (await findExecutable('python3', process.env.PATH)) !== undefined;

describe.each(START_MODES)('%s', (mode) => {
  startModeHooks(mode, (tools) => ({ spawner, launcher } = tools));

  describe('ActionRunner runners', () => {
    const params = { message: 'hello', count: 2 };

    it('runs a shell action with its parameters as JSON on stdin', async () => {
      const outcome = await run({ runnerType: 'shell', entryPoint: 'echo-stdin.sh' }, params);
      expect(outcome.status).toBe('completed');
      expect(outcome.result.exit_code).toBe(0);
      expect(JSON.parse(outcome.result.stdout ?? '')).toEqual(params);
    });

    it('records how long the action ran, in whole milliseconds', async () => {
      const outcome = await run({ entryPoint: 'slow.sh' });
      expect(outcome.status).toBe('completed');
      expect(Number.isInteger(outcome.result.duration_ms)).toBe(true);
      expect(outcome.result.duration_ms).toBeGreaterThanOrEqual(300); // it sleeps 0.3 s
    });

    it('runs a node action with the running node binary', async () => {
      const outcome = await run({ runnerType: 'node', entryPoint: 'echo-stdin.js' }, params);
      expect(outcome.status).toBe('completed');
      expect(JSON.parse(outcome.result.stdout ?? '')).toEqual(params);
    });

    it('runs a python action with python3', async () => {
      expect(hasPython, 'python3 is not on PATH: install it, the python runner is tested against it').toBe(true);
      const outcome = await run({ runnerType: 'python', entryPoint: 'echo-stdin.py' }, params);
      expect(outcome.result.stderr).toBe('');
      expect(outcome.status).toBe('completed');
      expect(JSON.parse(outcome.result.stdout ?? '')).toEqual(params);
    });

    it('fails a python action clearly when python3 is not on PATH', async () => {
      const outcome = await new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 100, baseEnv: { PATH: '/nonexistent' } })
        .start(request({ runnerType: 'python', entryPoint: 'echo-stdin.py' })).done;
      expect(outcome.status).toBe('failed');
      expect(outcome.result.error).toMatch(/python3.*not found/);
    });

    it('runs a native executable directly', async () => {
      const outcome = await run({ runnerType: 'native', entryPoint: 'native.sh' });
      expect(outcome.status).toBe('completed');
      expect(outcome.result.stdout).toBe('native 7\n');
    });

    it('fails with the file named when a native entry point is not executable', async () => {
      const outcome = await run({ runnerType: 'native', entryPoint: 'not-executable.sh' });
      expect(outcome.status).toBe('failed');
      expect(outcome.result.error).toContain('not-executable.sh');
      expect(outcome.result.error).toContain('EACCES');
    });

    it('fails with the file named when the entry point does not exist', async () => {
      const outcome = await run({ runnerType: 'shell', entryPoint: 'missing.sh' });
      expect(outcome.status).toBe('failed');
      expect(outcome.result.error).toContain('missing.sh');
    });

    it('refuses an entry point outside the actions directory', async () => {
      const outcome = await run({ runnerType: 'shell', entryPoint: '../../etc/passwd' });
      expect(outcome.status).toBe('failed');
      expect(outcome.result.error).toContain('outside');
    });

    it('passes ATTUNE_* variables and withholds the rest of the worker environment', async () => {
      const outcome = await run({ entryPoint: 'env.sh' });
      expect(outcome.result.stdout).toBe('ATTUNE_ACTION=test.action\nSECRET=unset\n');
    });
  });

  describe('ActionRunner parameters', () => {
    const marker = join(tmpdir(), `attune-injection-${randomUUID()}`);
    const nasty = `it's "quoted"\nsecond line\r\nback\\slash \\n $(touch ${marker}) \`touch ${marker}\` ${'$'}HOME %s ünïcødé`;

    it('delivers a hostile JSON parameter intact and never evaluates it', async () => {
      const outcome = await run({ parameterFormat: 'json' }, { message: nasty, nested: { list: [nasty] } });
      expect(outcome.status).toBe('completed');
      expect(JSON.parse(outcome.result.stdout ?? '')).toEqual({ message: nasty, nested: { list: [nasty] } });
      expect(existsSync(marker)).toBe(false);
    });

    it('delivers a hostile dotenv parameter that bash decodes with printf %b', async () => {
      const outcome = await run({ parameterFormat: 'dotenv', entryPoint: 'dotenv-message.sh' }, { message: nasty, other: 1 });
      expect(outcome.status).toBe('completed');
      expect(outcome.result.stdout).toBe(nasty);
      expect(existsSync(marker)).toBe(false);
    });

    it('delivers YAML parameters', async () => {
      const outcome = await run({ parameterFormat: 'yaml', outputFormat: 'yaml' }, { message: nasty, n: 3 });
      expect(outcome.result.data).toEqual({ message: nasty, n: 3 });
    });

    it('writes parameters to a private file for file delivery and removes it afterwards', async () => {
      const outcome = await run({ parameterDelivery: 'file', entryPoint: 'params-file.sh' }, { message: 'via file' });
      expect(outcome.status).toBe('completed');
      expect(outcome.result.stdout).toBe('stdin=[]\n{"message":"via file"}');
    });

    it('does not fail when the action never reads stdin', async () => {
      const outcome = await run({ entryPoint: 'ignore-stdin.sh' }, { big: 'x'.repeat(1024 * 1024) });
      expect(outcome.status).toBe('completed');
    });
  });

  describe('ActionRunner results', () => {
    it('marks a non-zero exit failed and keeps stderr', async () => {
      const outcome = await run({ entryPoint: 'fail.sh' });
      expect(outcome.status).toBe('failed');
      expect(outcome.result.exit_code).toBe(3);
      expect(outcome.result.stderr).toBe('about to fail\n');
    });

    it('caps output and appends a truncation marker', async () => {
      const outcome = await runner(1000).start(request({ entryPoint: 'chatty.sh' })).done;
      expect(outcome.status).toBe('completed');
      expect(outcome.result.stdout).toBe(`${'x'.repeat(1000)}\n[attune: output truncated, 4000 bytes dropped]`);
      expect(outcome.result.stderr).toBe('tail\n');
    });

    it('parses json output into result.data', async () => {
      const outcome = await run({ entryPoint: 'json-out.sh', outputFormat: 'json' });
      expect(outcome.result.data).toEqual({ answer: 42, list: [1, 2] });
    });

    it('parses jsonl output into an array, skipping blank lines', async () => {
      const outcome = await run({ entryPoint: 'jsonl-out.sh', outputFormat: 'jsonl' });
      expect(outcome.result.data).toEqual([{ n: 1 }, { n: 2 }]);
    });

    it('keeps the exit-code verdict when output cannot be parsed', async () => {
      const outcome = await run({ entryPoint: 'bad-json.sh', outputFormat: 'json' });
      expect(outcome.status).toBe('completed');
      expect(outcome.result.data).toBeUndefined();
      expect(outcome.result.error).toMatch(/could not be parsed as json/);
    });
  });

  describe('ActionRunner stopping', () => {
    it('times out, killing the whole process group', async () => {
      const outcome = await runner().start(request({ entryPoint: 'sleepy-group.sh' }, {}, 1)).done;
      expect(outcome.status).toBe('timeout');
      expect(outcome.result.error).toMatch(/timed out/);
      const pids = (outcome.result.stdout ?? '').trim().split(' ').map(Number);
      expect(pids).toHaveLength(2);
      await expectDead(pids);
    });

    it('cancels, killing the whole process group', async () => {
      const pidFile = join(packPath, 'actions', 'cancel-pids.txt');
      await rm(pidFile, { force: true }); // left by the other mode's run
      const running = runner().start(request({ entryPoint: 'cancel-me.sh' }, {}, 600));
      await until(() => existsSync(pidFile), Boolean);
      const pids = (await readFile(pidFile, 'utf8')).trim().split(' ').map(Number);
      running.cancel();
      const outcome = await running.done;
      expect(outcome.status).toBe('cancelled');
      expect(outcome.result.error).toMatch(/cancelled/);
      await expectDead(pids);
    });

    it('does not wait for a background child that keeps the output pipes open', async () => {
      const outcome = await run({ entryPoint: 'leaves-child.sh' });
      expect(outcome.status).toBe('completed');
      await expectDead([Number((outcome.result.stdout ?? '').trim())]);
    });
  });
});

describe('ActionRunner after the action exits', () => {
  /** Waits for `check` on the loop's check phase: setTimeout is faked in this test. */
  async function poll(check: () => boolean): Promise<void> {
    while (!check()) await new Promise((resolve) => setImmediate(resolve));
  }

  // Spawned from this process, the runner sees the exit itself and drains the output after it.
  it('ignores a cancel that comes while the output of an exited action still drains', async () => {
    const holderFile = join(packPath, 'actions', 'holder.pid');
    await rm(holderFile, { force: true });
    // With setTimeout faked, the drain deadline never passes: the window stays open until the
    // holder of the output is killed.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let actionPid = 0;
      const inProcess = new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 300, baseEnv: process.env });
      const running = inProcess.start({ ...request({ entryPoint: 'exits-holding-output.sh' }), onSpawn: (pid) => (actionPid = pid) });
      await poll(() => pidIn(holderFile) > 0);
      const holder = pidIn(holderFile);
      try {
        // Reaped means its parent, this process, has seen the exit: the run waits only for its output.
        await poll(() => actionPid > 0 && isReaped(actionPid));
        running.cancel();
      } finally {
        killAll([holder]); // closes the output: the run ends
      }
      const outcome = await running.done;
      expect(outcome.status).toBe('completed');
      expect(outcome.result).toMatchObject({ exit_code: 0, stdout: 'done\n' });
      expect(outcome.result.error).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  // Through the spawner helper the window is wider: the helper sees the exit, drains the output,
  // and only then tells the worker, which meanwhile still takes the action for running.
  it('ignores a cancel that comes after the spawner helper saw the exit, before it reported it', async () => {
    const holderFile = join(packPath, 'actions', 'holder.pid');
    await rm(holderFile, { force: true });
    const helper = new Spawner({ entry: inject('spawnerEntry'), isLocalStartAllowed: false });
    let holder = 0;
    try {
      let actionPid = 0;
      const viaHelper = new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 300, baseEnv: process.env, spawner: helper });
      const running = viaHelper.start({ ...request({ entryPoint: 'exits-holding-output.sh' }), onSpawn: (pid) => (actionPid = pid) });
      await waitFor(() => pidIn(holderFile) > 0);
      holder = pidIn(holderFile);
      // Reaped: the action's group is gone, and the helper waits for the output the holder keeps
      // open (OUTPUT_DRAIN_MS at most) before it reports the exit.
      await waitFor(() => actionPid > 0 && isReaped(actionPid), 1);
      running.cancel();
      killAll([holder]);
      const outcome = await running.done;
      expect(outcome.status).toBe('completed');
      expect(outcome.result).toMatchObject({ exit_code: 0, stdout: 'done\n' });
      expect(outcome.result.error).toBeUndefined();
    } finally {
      killAll([holder]);
      helper.close();
    }
  });
});

describe('ActionRunner with a spawner that may start lone runs here (the default)', () => {
  it('starts a lone run in this process, and a run beside another in the helper', async () => {
    const helperMayStart = new Spawner({ entry: inject('spawnerEntry') });
    try {
      const runner = new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 300, baseEnv: process.env, spawner: helperMayStart });
      const lone = await runner.start(request({ entryPoint: 'ppid.sh' })).done;
      expect(lone.result.stdout).toBe(`${process.pid}\n`);
      expect(helperMayStart.helperPid).toBeUndefined();

      let isFirstSpawned = false;
      const first = runner.start({ ...request({ entryPoint: 'slow.sh' }), onSpawn: () => (isFirstSpawned = true) });
      await waitFor(() => isFirstSpawned);
      const beside = await runner.start(request({ entryPoint: 'ppid.sh' })).done;
      expect(helperMayStart.helperPid).toBeGreaterThan(0);
      expect(beside.result.stdout).toBe(`${helperMayStart.helperPid}\n`);
      expect((await first.done).status).toBe('completed');
    } finally {
      helperMayStart.close();
    }
  });

  it('starts a lone run from a warm spare here even while the helper runs', async () => {
    const helperMayStart = new Spawner({ entry: inject('spawnerEntry') });
    const launcher = new WarmLauncher();
    try {
      const runner = new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 300, baseEnv: process.env, spawner: helperMayStart, launcher });
      let isFirstSpawned = false;
      const first = runner.start({ ...request({ entryPoint: 'slow.sh' }), onSpawn: () => (isFirstSpawned = true) });
      await waitFor(() => isFirstSpawned);
      const beside = await runner.start(request({ entryPoint: 'ppid.sh' })).done;
      expect(beside.result.stdout).toBe(`${helperMayStart.helperPid}\n`);
      expect((await first.done).status).toBe('completed');

      await waitFor(() => launcher.sparePid !== undefined);
      const spare = launcher.sparePid;
      let lonePid: number | undefined;
      const lone = await runner.start({ ...request({ entryPoint: 'ppid.sh' }), onSpawn: (pid) => (lonePid = pid) }).done;
      expect(helperMayStart.helperPid).toBeGreaterThan(0);
      expect(lone.result.stdout).toBe(`${process.pid}\n`);
      expect(lonePid).toBe(spare);
    } finally {
      helperMayStart.close();
      await launcher.close();
    }
  });
});
