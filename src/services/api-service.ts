import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { Readiness, buildApi, exposureWarning, readTlsFiles } from '../api/index.js';
import { type FirstStart, IdentityAdmin, PermissionSetAdmin, TokenAdmin } from '../auth/index.js';
import type { Config } from '../config/index.js';
import { AppError } from '../domain/index.js';
import { EventOutcomes, ExecutionQueries, InquiryService } from '../executor/index.js';
import { BusFeed, Notifier } from '../notifier/index.js';
import { PackQueries, PackRegistry, listPackDirs } from '../packs/index.js';
import { EnforcementQueries, RuleService } from '../rules/index.js';
import { KeyService } from '../secrets/index.js';
import { EventQueries, localSensorStatus, type SensorService, StoredSensorStatus } from '../sensors/index.js';
import { WorkerQueries } from '../worker/index.js';
import { CORE_PACK_DIR, EXAMPLES_PACK_DIR, type RunningService, type SharedParts, VERSION } from './service-kit.js';

/** The local CLI's credentials: an admin integration token written at the first start (mode 0600). */
export const CLI_TOKEN_FILE = 'cli-token';

export interface ApiService extends RunningService {
  readonly api: FastifyInstance;
  readonly url: string;
  /** Set on the first start of an empty database: the admin's password, shown once. */
  readonly firstStart: FirstStart | undefined;
}

export interface ApiServiceOptions {
  /** The names /health reports: every service of this process. */
  readonly services: readonly string[];
  readonly readiness: Readiness;
  /**
   * The sensor service of this process: `GET /sensors` shows its processes from memory in the
   * embedded mode. Otherwise (it runs elsewhere, or may be a standby) the API reads what the
   * leading sensor service reported to the database.
   */
  readonly sensors: SensorService | undefined;
}

/**
 * The API service: registers the packs of this host, creates the admin on an empty database
 * (writing the local CLI's token into the data dir), and listens.
 */
export async function startApiService(shared: SharedParts, options: ApiServiceOptions): Promise<ApiService> {
  const { config, store, bus, log, catalog, secrets, audit, auth } = shared;
  const tls = readTlsFiles(config.server); // a wrong path is a config error before anything listens
  const packs = new PackRegistry({ store, bus, log, catalog, secrets, limits: config.packs });
  // Packs before the API listens, so the first request already finds the core actions.
  const packDirs = [CORE_PACK_DIR, EXAMPLES_PACK_DIR, ...listPackDirs(path.join(config.home, 'packs'))];
  await packs.registerAtStart([...packDirs, ...config.packs.paths.map((p) => path.resolve(config.home, p))]);
  const outcomes = new EventOutcomes({ store, bus });
  await outcomes.start();
  const notifier = new Notifier({ feed: new BusFeed({ bus }), log });
  const firstStart = await auth.bootstrap();
  if (firstStart) writeFileSync(path.join(config.home, CLI_TOKEN_FILE), `${firstStart.cliToken}\n`, { mode: 0o600 });
  const api = await buildApi(
    {
      auth,
      identities: new IdentityAdmin({ store, audit, auth }),
      permissionSets: new PermissionSetAdmin({ store, audit, auth }),
      tokens: new TokenAdmin({ store, audit, auth }),
      audit,
      catalog,
      packs,
      packQueries: new PackQueries({ store }),
      executions: shared.executions,
      executionQueries: new ExecutionQueries({ store }),
      // Answers and lists only; the executor service opens inquiries and times them out.
      inquiries: new InquiryService({ store, bus, log, config: config.executor }),
      outcomes,
      rules: new RuleService({ store, bus, log, secrets }),
      enforcementQueries: new EnforcementQueries({ store }),
      ingest: shared.ingest,
      eventQueries: new EventQueries({ store }),
      keys: new KeyService({ store, secrets, audit }),
      sensors: shared.isExclusive && options.sensors ? localSensorStatus(options.sensors) : new StoredSensorStatus(store),
      services: options.services,
      readiness: options.readiness,
      version: VERSION,
      notifier,
      serviceTokens: shared.serviceTokens,
      workerQueries: new WorkerQueries({ store }),
    },
    {
      log,
      bodyLimitBytes: config.server.body_limit_bytes,
      listenHost: config.server.host,
      allowedHosts: config.server.allowed_hosts,
      corsOrigins: config.server.cors_origins,
      ...(tls === undefined ? {} : { tls }),
    },
  );
  await notifier.start();
  await listen(api, config);
  const exposure = exposureWarning(config.server);
  if (exposure !== undefined) log.warn({ host: config.server.host }, exposure);
  const stop = async () => {
    await outcomes.stop(); // a webhook waiting on ?wait= answers now, so the API closes at once
    await api.close();
    await notifier.stop();
  };
  return { name: 'api', api, url: listenUrl(api, config, tls !== undefined), firstStart, stop };
}

/** Listens on server.host:server.port; ERR_PORT_IN_USE when another process has that port. */
export async function listen(server: Pick<FastifyInstance, 'listen'>, config: Config): Promise<void> {
  try {
    await server.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new AppError(
        'ERR_PORT_IN_USE',
        `port ${config.server.port} on ${config.server.host} is in use; choose another with ATTUNE__SERVER__PORT or server.port`,
        { cause: error },
      );
    }
    throw error;
  }
}

/** The URL a listening server answers on (the port may have been chosen at listen time). */
export function listenUrl(server: Pick<FastifyInstance, 'server'>, config: Config, isTls: boolean): string {
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return `${isTls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}
