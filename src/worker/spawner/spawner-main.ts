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
import type { ProcessCell } from '../../domain/index.js';
import { killCell, signalGroup, SupervisedChild } from '../../process/index.js';
import { OutputCapture } from '../output-capture.js';
import { type Exited, HELPER_EXIT_CODES, monotonicUs, parseRequest, type SpawnerReply, type SpawnRequest } from './protocol.js';

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
  let child: SupervisedChild;
  try {
    child = new SupervisedChild({
      launch: request,
      cell: request.cell,
      isSpawnedFromCell: true,
      stdout,
      stderr,
      onStdinError: (error) => stderr.push(Buffer.from(`[attune: could not write parameters: ${error.message}]\n`)),
    });
  } catch (error) {
    // A spawn that threw started nothing, but a failure to leave the cell afterwards left the
    // process in it, and this helper too: ending the cell ends both, and the worker starts a new helper.
    killCell(request.cell);
    finish({ code: null, signal: null, spawnError: { code: 'EINVAL', message: error instanceof Error ? error.message : String(error) } });
    return;
  }
  const pid = child.pid;
  if (pid !== undefined) {
    running.set(pid, request.cell);
    send({ type: 'spawned', id: request.id, pid });
    child.endInput(request.stdin);
  }
  // Seen as it happens, not when the output has drained: a stop the worker asks for meanwhile is too late.
  let exitedAtUs: number | undefined;
  void child.exited.then(() => (exitedAtUs = monotonicUs()));
  void child.closed.then(({ code, signal, spawnError }) => {
    if (pid !== undefined) running.delete(pid);
    const failure = spawnError ? { spawnError: { code: spawnError.code ?? 'error', message: spawnError.message } } : {};
    finish({ code, signal, ...failure, ...(exitedAtUs === undefined ? {} : { exitedAtUs }) });
  });
}

/** Ends every action still running: the helper is going, and none may outlive its supervisor. */
function endAll(): void {
  for (const [pid, cell] of running) {
    signalGroup(pid, 'SIGKILL');
    killCell(cell);
  }
}

process.on('message', (message: unknown) => {
  const request = parseRequest(message);
  if (request.ok) return start(request.value);
  if (request.id !== undefined) {
    // It names its run: that run fails with the reason, and the others go on.
    const spawnError = { code: 'EPROTO', message: `the spawner helper refused ${request.error}` };
    return send({ type: 'exit', id: request.id, code: null, signal: null, stdout: '', stderr: '', spawnError });
  }
  // Nothing to answer: the worker and this helper do not speak the same protocol.
  process.stderr.write(`attune spawner helper: got ${request.error}; exiting\n`);
  endAll();
  process.exit(HELPER_EXIT_CODES.badRequest);
});
process.on('disconnect', () => {
  endAll();
  process.exit(HELPER_EXIT_CODES.disconnected);
});
// The handshake: the worker sends no request before this.
send({ type: 'ready' });
