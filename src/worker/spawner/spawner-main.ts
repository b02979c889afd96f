/**
 * The spawner helper: a small Node process that starts action processes for the worker.
 *
 * fork() costs in proportion to the forking process's memory, and Node forks on the thread
 * that calls spawn(). Spawning from this process, a fraction of the size of `attune up` and on
 * the other core, takes that cost off the worker's event loop. The worker keeps the policy
 * (timeouts, cancellation, signals to the process group); this process only spawns, feeds
 * stdin, captures output and sweeps the group and the cell after the action exits. If the worker goes
 * away, every action it started here is killed: none outlives its supervisor.
 */
import { spawn } from 'node:child_process';
import type { ProcessCell } from '../../domain/entities.js';
import { isErrno, killCell, signalGroup, spawnInCell } from '../../process/index.js';
import { OutputCapture } from '../output-capture.js';
import type { Exited, SpawnRequest, SpawnerReply } from './protocol.js';

/** The cell of each running action, by pid (undefined where there is no containment). */
const running = new Map<number, ProcessCell | undefined>();

function send(reply: SpawnerReply): void {
  process.send?.(reply);
}

function start(request: SpawnRequest): void {
  const stdout = new OutputCapture(request.maxOutputBytes);
  const stderr = new OutputCapture(request.maxOutputBytes);
  const finish = (extra: Omit<Exited, 'type' | 'id' | 'stdout' | 'stderr'>) =>
    send({ type: 'exit', id: request.id, stdout: stdout.text(), stderr: stderr.text(), ...extra });
  let child;
  try {
    child = spawnInCell(request.cell, request, (launch) =>
      spawn(launch.command, [...launch.args], { cwd: launch.cwd, env: launch.env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] }),
    );
  } catch (error) {
    // A spawn that threw started nothing, but a failure to leave the cell afterwards left the
    // process in it, and this helper too: ending the cell ends both, and the worker starts a new helper.
    killCell(request.cell);
    finish({ code: null, signal: null, spawnError: { code: 'EINVAL', message: error instanceof Error ? error.message : String(error) } });
    return;
  }
  child.on('error', (error: NodeJS.ErrnoException) => {
    // Spawn failures (ENOENT, EACCES) leave no pid; other child errors come with 'exit' too.
    if (child.pid === undefined) finish({ code: null, signal: null, spawnError: { code: error.code ?? 'error', message: error.message } });
  });
  const pid = child.pid;
  if (pid === undefined) return;
  running.set(pid, request.cell);
  send({ type: 'spawned', id: request.id, pid });
  child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
  child.stdin.on('error', (error) => {
    // EPIPE/ECONNRESET: the action exited or closed stdin without reading its parameters.
    if (!isErrno(error, 'EPIPE') && !isErrno(error, 'ECONNRESET')) stderr.push(Buffer.from(`[attune: could not write parameters: ${error.message}]\n`));
  });
  child.stdin.end(request.stdin);
  let open = 2;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const settle = () => {
    if (exit === undefined || open > 0) return;
    open = -1; // once
    running.delete(pid);
    finish(exit);
  };
  const closed = () => {
    open -= 1;
    settle();
  };
  child.stdout.once('close', closed);
  child.stderr.once('close', closed);
  child.once('exit', (code, signal) => {
    exit = { code, signal };
    // No descendant outlives the run or holds the pipes open, not even one that left the group.
    signalGroup(pid, 'SIGKILL');
    killCell(request.cell);
    // Without a cell, a descendant that left the group (setsid) may still hold the pipes: stop waiting.
    setTimeout(() => {
      child.stdout.destroy();
      child.stderr.destroy();
      open = 0;
      settle();
    }, request.drainMs).unref();
    settle();
  });
}

process.on('message', (message: SpawnRequest) => {
  if (message.type === 'spawn') start(message);
});
process.on('disconnect', () => {
  for (const [pid, cell] of running) {
    signalGroup(pid, 'SIGKILL');
    killCell(cell);
  }
  process.exit(0);
});
