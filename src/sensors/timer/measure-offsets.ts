// Measurement, not a test: runs the built timer sensor with a 1 s interval and
// reports |fired_at − scheduled_at|. Usage: node dist/sensors/timer/measure-offsets.js [seconds=20]
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const SENSOR = fileURLToPath(new URL('./main.js', import.meta.url));

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}

function measure(seconds: number): void {
  const triggers = [{ id: 1, ref: 'core.intervaltimer', config: { unit: 'seconds', interval: 1 } }];
  const child = spawn(process.execPath, [SENSOR], {
    // A minimal environment: the sensor needs only its protocol variables.
    env: { ATTUNE_SENSOR_TRIGGERS: JSON.stringify(triggers), ATTUNE_LOG_LEVEL: 'warn' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const offsets: number[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as { fired_at: string; scheduled_at: string };
    offsets.push(Math.abs(Date.parse(event.fired_at) - Date.parse(event.scheduled_at)));
  });
  setTimeout(() => child.stdin.end(), seconds * 1_000 + 500);
  child.on('exit', (code) => {
    const sorted = [...offsets].sort((a, b) => a - b);
    const report = { exitCode: code, fires: sorted.length, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), max: sorted.at(-1), offsets };
    process.stdout.write(`${JSON.stringify(report)}\n`);
  });
}

measure(Number(process.argv[2] ?? 20));
