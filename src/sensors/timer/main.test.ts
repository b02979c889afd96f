import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { assertBuilt } from '../../../test/support/build.js';
import { waitFor } from '../../../test/support/wait.js';

// The real program as `npm test` builds it (`npm run build` runs first).
const MAIN = fileURLToPath(new URL('../../../dist/sensors/timer/main.js', import.meta.url));

interface Collected {
  readonly stdout: string[];
  stderr: string;
}

function startSensor(triggers: readonly object[]): { child: ChildProcessWithoutNullStreams; out: Collected } {
  const child = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      ATTUNE_SENSOR_TRIGGERS: JSON.stringify(triggers),
      ATTUNE_SENSOR_REF: 'core.interval_timer_sensor',
      ATTUNE_LOG_LEVEL: 'info',
    },
  });
  const out: Collected = { stdout: [], stderr: '' };
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    out.stdout.push(...lines);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    out.stderr += chunk;
  });
  return { child, out };
}

describe('timer sensor process', () => {
  let child: ChildProcessWithoutNullStreams | undefined;

  beforeAll(() => {
    assertBuilt('src/sensors/timer', 'src/domain');
  });
  afterEach(() => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  });

  it('emits interval events, ignores bad stdin lines, stops a removed instance on update, and exits 0 when stdin ends', async () => {
    const every = (id: number) => ({ id, ref: 'core.intervaltimer', rule_ref: `test.every_second_${id}`, config: { unit: 'seconds', interval: 1 } });
    const started = startSensor([every(1)]);
    child = started.child;
    const { out } = started;
    const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));
    const events = () => out.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);

    await waitFor(() => out.stdout.length >= 2);
    expect(events()[0]).toMatchObject({ type: 'interval', trigger_ref: 'core.intervaltimer', trigger_instance_id: 1, execution_count: 1 });
    expect(events()[1]).toMatchObject({ execution_count: 2 });

    started.child.stdin.write('not json\n{"type":"hello"}\n');
    await waitFor(() => out.stderr.includes('{\\"type\\":\\"hello\\"}'));
    expect(out.stderr).toContain('stdin line is not valid JSON; ignored');
    expect(started.child.exitCode).toBeNull();

    // Instance 1 replaced by instance 2 on the same interval: two ticks of 2 are the clock, and
    // instance 1, had it kept running, would have ticked between them. stdout is in order, so
    // nothing of instance 1 may follow the first tick of instance 2.
    started.child.stdin.write(`${JSON.stringify({ type: 'triggers', triggers: [every(2)] })}\n`);
    await waitFor(() => events().filter((e) => e.trigger_instance_id === 2).length >= 2);
    const afterUpdate = events().slice(events().findIndex((e) => e.trigger_instance_id === 2));
    expect(afterUpdate.map((e) => e.trigger_instance_id)).toEqual([2, 2]);
    expect(out.stderr).toContain('trigger instances updated');

    started.child.stdin.end();
    expect(await exited).toBe(0);
  });
});
