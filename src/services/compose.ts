import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { Readiness } from '../api/index.js';
import type { AuthService, FirstStart } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { removeFreeCells } from '../process/index.js';
import { SensorLeadership } from '../sensors/index.js';
import type { Store } from '../store/index.js';
import { type ApiService, startApiService } from './api-service.js';
import { prepareExecutorService } from './executor-service.js';
import { startHealthListener } from './health-listener.js';
import { createSensorService } from './sensor-service.js';
import { type RunningService, type ServiceName, type ServiceOptions, type SharedParts, openSharedParts } from './service-kit.js';
import { startWorkerService } from './worker-service.js';

/** The services one process runs, started in order, and how to stop them. */
export interface ServiceProcess {
  readonly config: Config;
  readonly store: Store;
  readonly services: readonly ServiceName[];
  /** The API of this process; undefined when it runs elsewhere. */
  readonly api: FastifyInstance | undefined;
  /** Where this process answers `GET /api/v1/health`: its API, or its health listener. */
  readonly url: string;
  /** The API actions and sensors of this process call (ATTUNE_API_URL). */
  readonly apiUrl: string;
  readonly auth: AuthService;
  /** Set when this process's API made the admin of an empty database: its password, shown once. */
  readonly firstStart: FirstStart | undefined;
  /** Stops every service, the last started first; running actions end `abandoned`. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts `names` in this process on the adapters the config names (DESIGN §2): any subset runs
 * on PostgreSQL and RabbitMQ; on SQLite the one process that holds the database runs them.
 */
export async function startServices(config: Config, names: readonly ServiceName[], options: ServiceOptions): Promise<ServiceProcess> {
  const shared = await openSharedParts(config, options);
  const started: RunningService[] = [];
  const stopAll = async () => {
    // The API first, so nothing new is accepted; then the others, the last started first.
    const order = [...started.filter((s) => s.name === 'api'), ...started.filter((s) => s.name !== 'api').reverse()];
    for (const service of order) await service.stop();
    // The empty cells kept for reuse; the services' runs have let go of theirs by now.
    removeFreeCells();
    await shared.catalog.stop();
    await shared.bus.close();
    await shared.store.close();
  };
  try {
    const composed = await startInOrder(shared, names, started);
    shared.log.info({ services: names, url: composed.url, apiUrl: composed.apiUrl }, 'services started');
    let stopping: Promise<void> | undefined;
    return { config, store: shared.store, services: names, auth: shared.auth, ...composed, stop: () => (stopping ??= stopAll()) };
  } catch (error) {
    await stopAll().catch((stopError: unknown) => shared.log.warn({ err: stopError }, 'could not stop what had started'));
    throw error;
  }
}

async function startInOrder(shared: SharedParts, names: readonly ServiceName[], started: RunningService[]) {
  const has = (name: ServiceName) => names.includes(name);
  // A containment that cannot work is a config error before anything starts.
  if (has('worker') || has('sensor')) shared.containment();
  const readiness = new Readiness();
  const executor = has('executor') ? await prepareExecutorService(shared) : undefined;
  const sensorHolder = `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const sensors = has('sensor') ? createSensorService(shared, sensorHolder) : undefined;
  let api: ApiService | undefined;
  if (has('api')) started.push((api = await startApiService(shared, { services: names, readiness, sensors })));
  const health = api ?? (await startHealthListener(shared, names, readiness));
  if (!api) started.push(health);
  const apiUrl = api?.url ?? shared.config.server.api_url;
  await shared.catalog.start();
  if (has('worker')) started.push(await startWorkerService(shared, apiUrl));
  if (executor) started.push(await executor.start());
  if (sensors) {
    // One sensor service runs the sensors at a time: the holder of the `sensors` lease (DESIGN §2).
    const leadership: SensorLeadership = new SensorLeadership({
      leases: shared.store.leases,
      holder: sensorHolder,
      leaseMs: shared.config.sensors.lease_ms,
      // The term it leads in fences its status reports against a deposed leader's late ones.
      work: { start: () => sensors.start(apiUrl, leadership.term ?? 0), stop: () => sensors.stop() },
      log: shared.log,
      isSoleProcess: shared.isExclusive,
    });
    await leadership.start();
    started.push({ name: 'sensor', stop: () => leadership.stop() });
  }
  readiness.markReady();
  return { api: api?.api, url: health.url, apiUrl, firstStart: api?.firstStart };
}
