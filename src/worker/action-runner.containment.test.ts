import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import type { Action, ProcessCell } from '../domain/index.js';
import { type Containment, detectContainment, WarmLauncher } from '../process/index.js';
import { ActionRunner, Spawner } from './index.js';
import { isAlive } from '../../test/support/processes.js';
import { testAction } from '../../test/support/actions.js';

/** Starts `sleep` in a session of its own and prints its pid once it is there, then exits or waits. */
const ESCAPE = `setsid sh -c 'echo $$ > "$0.tmp" && mv "$0.tmp" "$0" && exec sleep 300' "$ATTUNE_EXEC_ID.pid" </dev/null >/dev/null 2>&1 &
while [ ! -e "$ATTUNE_EXEC_ID.pid" ]; do sleep 0.01; done
`;

function contained(): { name: string; containment: Containment }[] {
  if (process.platform !== 'linux') return [];
  return (['auto', 'environ'] as const).flatMap((choice) => {
    const detected = detectContainment(choice);
    return 'containment' in detected && detected.containment.kind !== 'none' ? [{ name: detected.containment.kind, containment: detected.containment }] : [];
  });
}

let packPath: string;
let spawner: Spawner;
let nextId = 1;
const escapees: number[] = [];

beforeAll(async () => {
  packPath = await mkdtemp(join(tmpdir(), 'attune-containment-test-'));
  await mkdir(join(packPath, 'actions'));
  await writeFile(join(packPath, 'actions', 'escape.sh'), ESCAPE);
  await writeFile(join(packPath, 'actions', 'escape-and-wait.sh'), `${ESCAPE}sleep 300\n`);
  spawner = new Spawner({ entry: inject('spawnerEntry'), isLocalStartAllowed: false });
});

afterAll(async () => {
  spawner.close();
  for (const pid of escapees) if (isAlive(pid)) process.kill(pid, 'SIGKILL'); // only left when a test failed
  await rm(packPath, { recursive: true, force: true });
});

function action(entryPoint: string): Action {
  return testAction({ ref: 'test.escape', label: 'Escape', entryPoint, timeoutSeconds: 600 });
}

describe.each(contained())('ActionRunner with $name containment', ({ containment }) => {
  let launcher: WarmLauncher;
  beforeAll(() => {
    launcher = new WarmLauncher(containment);
  });
  afterAll(() => launcher.close());

  describe.each(['in-process spawn', 'warm launcher', 'spawner helper'] as const)('%s', (mode) => {
    const run = (entryPoint: string, timeoutSeconds: number) => {
      const executionId = nextId++;
      const cells: (ProcessCell | undefined)[] = [];
      const via = mode === 'spawner helper' ? { spawner } : mode === 'warm launcher' ? { launcher } : {};
      const runner = new ActionRunner({ maxOutputBytes: 1024, killGraceMs: 100, baseEnv: process.env, containment, ...via });
      const running = runner.start({
        executionId,
        action: action(entryPoint),
        packPath,
        parameters: {},
        timeoutSeconds,
        env: { ATTUNE_EXEC_ID: String(executionId) },
        onSpawn: (_pid, cell) => cells.push(cell),
      });
      return { running, cells, pidFile: join(packPath, 'actions', `${executionId}.pid`) };
    };

    it('ends a child that left the process group when the action exits, and tells its cell', async () => {
      const { running, cells, pidFile } = run('escape.sh', 0);
      const outcome = await running.done;
      expect(outcome.status).toBe('completed');
      const escapee = Number(readFileSync(pidFile, 'utf8'));
      escapees.push(escapee);
      expect(isAlive(escapee)).toBe(false);
      expect(cells).toEqual([expect.objectContaining({ kind: containment.kind })]);
    });

    it('ends a child that left the process group when the action times out', async () => {
      const { running, pidFile } = run('escape-and-wait.sh', 1);
      const outcome = await running.done;
      expect(outcome.status).toBe('timeout');
      const escapee = Number(readFileSync(pidFile, 'utf8'));
      escapees.push(escapee);
      expect(isAlive(escapee)).toBe(false);
    });
  });
});
