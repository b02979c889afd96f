import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { Action } from '../domain/entities.js';
import { actionId } from '../domain/ids.js';
import { findExecutable } from '../process/index.js';
import { ActionRunner, Spawner, type RunOutcome, type RunRequest } from './index.js';

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
  'cancel-me.sh': "(trap '' TERM INT; exec sleep 1000) &\necho \"$! $$\" > cancel-pids.txt\nsleep 1000\n",
  'leaves-child.sh': 'sleep 1000 &\necho "$!"\n',
};

let packPath: string;
/** Every test runs twice: spawning from this process, and through the spawner helper process. */
const MODES = ['in-process spawn', 'spawner helper'] as const;
let spawner: Spawner | undefined;
const runner = (maxOutputBytes = 64 * 1024): ActionRunner =>
  new ActionRunner({ maxOutputBytes, killGraceMs: 300, baseEnv: { ...process.env, SECRET_FROM_WORKER: 'leak' }, ...(spawner ? { spawner } : {}) });

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
  return {
    id: actionId(1),
    ref: 'test.action',
    packRef: 'test',
    label: 'Test action',
    description: '',
    runnerType: 'shell',
    entryPoint: 'echo-stdin.sh',
    parameters: {},
    output: {},
    parameterDelivery: 'stdin',
    parameterFormat: 'json',
    outputFormat: 'text',
    timeoutSeconds: 60,
    maxRetries: 0,
    created: '',
    updated: '',
    ...overrides,
  };
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

/** Alive means it exists and is not a zombie (a killed orphan waits for init to reap it). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw err;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; the state letter follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    // No /proc entry: the process vanished between the two checks (or no procfs; kill said alive).
    return !existsSync('/proc/self');
  }
}

/** Polls briefly, since signals are delivered asynchronously. */
async function expectDead(pids: readonly number[]): Promise<void> {
  for (let i = 0; i < 50 && pids.some(isAlive); i += 1) await new Promise((r) => setTimeout(r, 100));
  for (const pid of pids) expect(isAlive(pid), `pid ${pid} is still alive`).toBe(false);
}

const hasPython = (await findExecutable('python3', process.env.PATH)) !== undefined;

describe.each(MODES)('%s', (mode) => {
  beforeAll(() => {
    spawner = mode === 'spawner helper' ? new Spawner({ entry: inject('spawnerEntry') }) : undefined;
  });
  afterAll(() => {
    spawner?.close();
    spawner = undefined;
  });

  describe('ActionRunner runners', () => {
    const params = { message: 'hello', count: 2 };

    it('runs a shell action with its parameters as JSON on stdin', async () => {
      const outcome = await run({ runnerType: 'shell', entryPoint: 'echo-stdin.sh' }, params);
      expect(outcome.status).toBe('completed');
      expect(outcome.result.exit_code).toBe(0);
      expect(JSON.parse(outcome.result.stdout ?? '')).toEqual(params);
      expect(outcome.result.duration_ms).toBeGreaterThanOrEqual(0);
    });

    it('runs a node action with the running node binary', async () => {
      const outcome = await run({ runnerType: 'node', entryPoint: 'echo-stdin.js' }, params);
      expect(outcome.status).toBe('completed');
      expect(JSON.parse(outcome.result.stdout ?? '')).toEqual(params);
    });

    it.skipIf(!hasPython)('runs a python action with python3', async () => {
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
      const running = runner().start(request({ entryPoint: 'cancel-me.sh' }, {}, 600));
      for (let i = 0; i < 100 && !existsSync(pidFile); i += 1) await new Promise((r) => setTimeout(r, 50));
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

    it('ignores cancel after the run has ended', async () => {
      const running = runner().start(request({ entryPoint: 'ignore-stdin.sh' }));
      const outcome = await running.done;
      running.cancel();
      expect(outcome.status).toBe('completed');
    });
  });
});
