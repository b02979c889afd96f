import { spawn } from 'node:child_process';
import { ATTUNE_BIN, attuneEnv, type RunningAttune } from './attune-process.js';
import type { Cleanup } from './cleanup.js';

const CLI_TIMEOUT_MS = 30_000;

/**
 * Times one `attune --home <dir> run core.echo message=hello`: from spawn to exit, so it includes
 * Node start-up, CLI loading, the API round trips and waiting for the execution to finish.
 */
export async function timeCliRun(attune: RunningAttune, cleanup: Cleanup): Promise<number> {
  const args = ['--home', attune.home, 'run', 'core.echo', 'message=hello'];
  const startedAt = performance.now();
  const child = spawn(ATTUNE_BIN, args, { env: attuneEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  cleanup.trackChild(child);
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), CLI_TIMEOUT_MS);
  const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const elapsed = performance.now() - startedAt;
  clearTimeout(timer);
  if (exit.code !== 0 || !/^hello$/m.test(output) || !/status: completed/.test(output)) {
    throw new Error(`attune run core.echo failed (code ${exit.code}, signal ${exit.signal}):\n${output.trim()}`);
  }
  return elapsed;
}
