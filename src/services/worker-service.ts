import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import path from 'node:path';
import { WarmLauncher } from '../process/index.js';
import { ActionRunner, Spawner, WorkerService, offeredRuntimes, sweepParameterFiles } from '../worker/index.js';
import type { RunningService, SharedParts } from './service-kit.js';

/** The worker service: runs dispatched actions; `apiUrl` is what they get as ATTUNE_API_URL. */
export async function startWorkerService(shared: SharedParts, apiUrl: string): Promise<RunningService> {
  const { config, store, bus, log, catalog, secrets, options } = shared;
  const parametersDir = path.join(config.home, 'run', 'parameters');
  // Parameter files (clear secrets, perhaps) a crash left behind: each data dir has one worker.
  await sweepParameterFiles(parametersDir);
  const spawner = new Spawner(options.spawnerEntry === undefined ? {} : { entry: options.spawnerEntry });
  const containment = shared.containment();
  const launcher = new WarmLauncher(containment);
  const runner = new ActionRunner({
    maxOutputBytes: config.worker.max_output_bytes,
    killGraceMs: config.worker.kill_grace_ms,
    baseEnv: options.baseEnv,
    spawner,
    launcher,
    parametersDir,
    containment,
  });
  const workerId = config.worker.id || `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  // A runtime this host cannot run is not offered: its actions go to another worker, or wait for one.
  const { offered, missing } = await offeredRuntimes(config.worker.runtimes, options.baseEnv.PATH);
  for (const { runtime, reason } of missing) log.warn({ runtime, reason }, 'runtime not offered by this worker');
  const worker = new WorkerService({ store, bus, log, config: config.worker, runner, workerId, apiUrl, catalog, secrets, credentials: shared.serviceTokens, runtimes: offered });
  await worker.start();
  const stop = async () => {
    await worker.stop();
    spawner.close();
    await launcher.close();
  };
  return { name: 'worker', stop };
}
