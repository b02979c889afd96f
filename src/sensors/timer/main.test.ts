import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The real program as `npm test` builds it (`npm run build` runs first); skipped when not built.
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

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!existsSync(MAIN))('timer sensor process', () => {
  let child: ChildProcessWithoutNullStreams | undefined;

  afterEach(() => {
    if (child !== undefined && child.exitCode === null) child.kill('SIGKILL');
  });

  it('emits interval events, ignores bad stdin lines, stops a removed instance on update, and exits 0 when stdin ends', async () => {
    const started = startSensor([
      { id: 1, ref: 'core.intervaltimer', rule_ref: 'test.every_second', config: { unit: 'seconds', interval: 1 } },
    ]);
    child = started.child;
    const { out } = started;
    const exited = new Promise<number | null>((resolve) => started.child.once('exit', (code) => resolve(code)));

    await waitFor(() => out.stdout.length >= 2, 3_000);
    const events = out.stdout.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(events[0]).toMatchObject({ type: 'interval', trigger_ref: 'core.intervaltimer', trigger_instance_id: 1, execution_count: 1 });
    expect(events[1]).toMatchObject({ execution_count: 2 });

    started.child.stdin.write('not json\n{"type":"hello"}\n');
    await waitFor(() => out.stderr.includes('{\\"type\\":\\"hello\\"}'), 2_000);
    expect(out.stderr).toContain('stdin line is not valid JSON; ignored');
    expect(started.child.exitCode).toBeNull();

    started.child.stdin.write(`${JSON.stringify({ type: 'triggers', triggers: [] })}\n`);
    await waitFor(() => out.stderr.includes('trigger instances updated'), 2_000);
    const countAfterUpdate = out.stdout.length;
    await sleep(1_300);
    expect(out.stdout).toHaveLength(countAfterUpdate);

    started.child.stdin.end();
    expect(await exited).toBe(0);
  });
});
