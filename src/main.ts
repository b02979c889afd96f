import { randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { openAdapters } from './adapters.js';
import { Readiness, buildApi, exposureWarning, readTlsFiles } from './api/index.js';
import { type Config, inheritedEnvironment, loadConfig, sqlitePath } from './config/index.js';
import { ADMIN_LOGIN, AuditLog, AuthService, type FirstStart, IdentityAdmin, PermissionSetAdmin, ServiceTokens, TokenAdmin } from './auth/index.js';
import { BusFeed, Notifier } from './notifier/index.js';
import { AppError } from './domain/index.js';
import { EventOutcomes, ExecutionQueries, ExecutionRequests, ExecutorService, WorkflowEngine } from './executor/index.js';
import { FdSink, LogFile } from './logging/index.js';
import { PackCatalog, PackQueries, PackRegistry, listPackDirs } from './packs/index.js';
import { type Containment, detectContainment, identifyProcess, killOrphanedProcess } from './process/index.js';
import { EnforcementQueries, RuleEngine, RuleService } from './rules/index.js';
import { KeyService, SecretBox } from './secrets/index.js';
import { EventIngest, EventQueries, SensorLeadership, SensorService } from './sensors/index.js';
import type { Store } from './store/index.js';
import { ActionRunner, Spawner, WorkerService, sweepParameterFiles } from './worker/index.js';

/** The installed package's root: dist/main.js sits one level below it. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CORE_PACK_DIR = path.join(PACKAGE_ROOT, 'packs', 'core');
export const EXAMPLES_PACK_DIR = path.join(PACKAGE_ROOT, 'packs', 'examples');
const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The local CLI's credentials: an admin integration token written at the first start (mode 0600). */
export const CLI_TOKEN_FILE = 'cli-token';

function writeCliToken(home: string, token: string): void {
  writeFileSync(path.join(home, CLI_TOKEN_FILE), `${token}\n`, { mode: 0o600 });
}

/** Written to the data dir once the API listens, so the CLI finds `attune up` without flags. */
export const API_FILE = 'api.json';

export interface Attune {
  readonly config: Config;
  readonly store: Store;
  readonly api: FastifyInstance;
  readonly url: string;
  /** Logins and tokens (tests make identities and tokens through it). */
  readonly auth: AuthService;
  /** Set on the first start of an empty database: the admin's password, shown once. */
  readonly firstStart: FirstStart | undefined;
  /** Stops every service: running actions end `abandoned`, never `running`. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  readonly log: Logger;
  /** The environment actions inherit PATH, HOME, LANG and TMPDIR from. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** The spawner helper program (default: the one of this build); tests pass one bundled from source. */
  readonly spawnerEntry?: string;
}

/**
 * Starts every service in this process (DESIGN §2), on the store and bus the config names:
 * SQLite and the in-process bus (embedded), or PostgreSQL and RabbitMQ.
 */
export async function startAttune(config: Config, options: StartOptions): Promise<Attune> {
  const { log } = options;
  const tls = readTlsFiles(config.server); // a wrong path is a config error before anything starts
  const { store, bus } = await openAdapters(config, log);
  const containment = chooseContainment(config, log);
  const catalog = new PackCatalog({ store, bus });
  const secrets = SecretBox.forHome(config.home);
  const executions = new ExecutionRequests({ store, bus, log, catalog, secrets });
  const workflows = new WorkflowEngine({ store, bus, log, catalog, requests: executions, config: config.executor });
  const executor = new ExecutorService({ store, bus, log, config: config.executor, reapOrphan: killOrphanedProcess, workflows });
  const abandoned = await executor.abandonOrphans('abandoned: the process running it stopped before it finished');
  if (abandoned > 0) log.warn({ count: abandoned }, 'executions left running by an earlier process marked abandoned');
  // Parameter files (clear secrets, perhaps) a crash left behind; their actions were just ended.
  const parametersDir = path.join(config.home, 'run', 'parameters');
  await sweepParameterFiles(parametersDir);

  const packs = new PackRegistry({ store, bus, log, catalog, secrets, limits: config.packs });
  const rules = new RuleService({ store, bus, log, secrets });
  const audit = new AuditLog({ store, log });
  const keys = new KeyService({ store, secrets, audit });
  const ingest = new EventIngest({ store, bus, log, catalog });
  const auth = new AuthService({ store, secrets, log, config: config.auth, audit });
  // Tokens for what Attune runs: sensors (ATTUNE_API_TOKEN, renewable) and actions with api_access.
  const serviceTokens = new ServiceTokens({ auth, store, sensorTokenTtlSeconds: config.auth.sensor_token_ttl_seconds });
  const notifier = new Notifier({ feed: new BusFeed({ bus }), log });
  const ruleEngine = new RuleEngine({ store, bus, log, executions, catalog, secrets, keys, config: config.executor, rules: config.rules });
  const sensors = new SensorService({
    store,
    bus,
    log,
    ingest,
    config: config.sensors,
    logLevel: config.log.level,
    logDir: path.join(config.home, 'logs', 'sensors'),
    baseEnv: options.baseEnv,
    containment,
    ledgerDir: path.join(config.home, 'run', 'sensors'),
    credentials: serviceTokens,
  });
  // Packs before the API listens, so the first request already finds the core actions.
  const packDirs = [CORE_PACK_DIR, EXAMPLES_PACK_DIR, ...listPackDirs(path.join(config.home, 'packs'))];
  await packs.registerAtStart([...packDirs, ...config.packs.paths.map((p) => path.resolve(config.home, p))]);
  const outcomes = new EventOutcomes({ store, bus });
  await outcomes.start();
  const services = ['api', 'executor', 'worker', 'rules', 'sensors'];
  const readiness = new Readiness();
  const firstStart = await auth.bootstrap();
  if (firstStart) writeCliToken(config.home, firstStart.cliToken);
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
      executions,
      executionQueries: new ExecutionQueries({ store }),
      outcomes,
      rules,
      enforcementQueries: new EnforcementQueries({ store }),
      ingest,
      eventQueries: new EventQueries({ store }),
      keys,
      sensors,
      services,
      readiness,
      version: VERSION,
      notifier,
      serviceTokens,
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
  const url = apiUrl(api, config, tls !== undefined);

  const spawner = new Spawner(options.spawnerEntry === undefined ? {} : { entry: options.spawnerEntry });
  const runner = new ActionRunner({
    maxOutputBytes: config.worker.max_output_bytes,
    killGraceMs: config.worker.kill_grace_ms,
    baseEnv: options.baseEnv,
    spawner,
    parametersDir,
    containment,
  });
  const workerId = config.worker.id || `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
  const worker = new WorkerService({ store, bus, log, config: config.worker, runner, workerId, apiUrl: url, catalog, secrets, credentials: serviceTokens });
  await catalog.start();
  await worker.start();
  await executor.start();
  await workflows.start();
  await ruleEngine.start();
  // Whatever a crash left half-way is driven on from the database: nothing is lost.
  await ruleEngine.redrive(0, Number.POSITIVE_INFINITY);
  await executor.redrive(0, Number.POSITIVE_INFINITY);
  // One sensor service runs the sensors at a time: the holder of the `sensors` lease (issue 8).
  const sensorLeader = new SensorLeadership({
    leases: store.leases,
    holder: `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`,
    leaseMs: config.sensors.lease_ms,
    work: { start: () => sensors.start(url), stop: () => sensors.stop() },
    log,
    isSoleProcess: sqlitePath(config) !== undefined,
  });
  await sensorLeader.start();
  readiness.markReady();

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      await outcomes.stop(); // a webhook waiting on ?wait= answers now, so the API closes at once
      await api.close();
      await notifier.stop();
      await sensorLeader.stop();
      await ruleEngine.stop();
      await worker.stop();
      spawner.close();
      await workflows.stop();
      await executor.stop();
      await catalog.stop();
      await bus.close();
      await store.close();
    })());
  return { config, store, api, url, auth, firstStart, stop };
}

/** How actions and sensors are contained here (config `process.containment`), said once in the log. */
function chooseContainment(config: Config, log: Logger): Containment {
  const detected = detectContainment(config.process.containment);
  if ('error' in detected) throw new AppError('ERR_CONFIG_INVALID', `process.containment: ${detected.error}`);
  const { containment, notes } = detected;
  const fields = { containment: containment.kind, ...(containment.root ? { cgroup: containment.root } : {}), ...(notes.length > 0 ? { notes } : {}) };
  if (containment.kind === 'none') log.warn(fields, 'no process containment: a child that leaves its process group can outlive its action or sensor');
  else log.info(fields, 'process containment chosen');
  return containment;
}

async function listen(api: FastifyInstance, config: Config): Promise<void> {
  try {
    await api.listen({ host: config.server.host, port: config.server.port });
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

function apiUrl(api: FastifyInstance, config: Config, isTls: boolean): string {
  const address = api.server.address();
  const port = typeof address === 'object' && address ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  return `${isTls ? 'https' : 'http'}://${host === '0.0.0.0' ? '127.0.0.1' : host}:${port}`;
}

interface ServiceLog {
  readonly log: Logger;
  /** logs/attune.log: closed last at shutdown, flushed synchronously at exit. */
  readonly file: LogFile;
}

/**
 * The root logger: logs/attune.log (rotated) and, from warn up, stderr. Neither destination
 * blocks or throws when the disk is full: lines are dropped, counted, and noted once writing
 * works again (see LogFile).
 */
function createLogger(config: Config): ServiceLog {
  const logDir = path.join(config.home, 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  chmodSync(logDir, 0o700);
  const base = { pid: process.pid, hostname: hostname() };
  const dropNote = (count: number, reason: string) =>
    `${JSON.stringify({ level: 40, time: Date.now(), ...base, svc: 'log', dropped: count, reason, msg: 'log lines dropped' })}\n`;
  const file = new LogFile({
    path: path.join(logDir, 'attune.log'),
    maxBytes: config.log.max_bytes,
    maxFiles: config.log.max_files,
    formatDropNote: dropNote,
    onFailure: (err) => log.warn({ err }, 'cannot write logs/attune.log; lines are kept or dropped until it can'),
  });
  const streams = [
    { level: config.log.level, stream: file },
    { level: 'warn' as const, stream: new FdSink(2, dropNote) },
  ];
  const log = pino({ level: config.log.level, base, redact: ['*.token', '*.password', 'headers.authorization'] }, pino.multistream(streams));
  return { log, file };
}

/**
 * Refuses at once to start a second `attune up` on the same data dir when api.json names a
 * process that still runs: the same pid, start time and boot. A stale file (the pid now belongs to
 * another process, or is gone) is ignored; the database lock decides then (see openAdapters).
 */
function assertNotRunning(home: string): void {
  let recorded: { pid?: unknown; start?: unknown; boot?: unknown; url?: unknown };
  try {
    recorded = JSON.parse(readFileSync(path.join(home, API_FILE), 'utf8')) as typeof recorded;
  } catch {
    return; // no file, or unreadable: nothing recorded to compare with
  }
  if (typeof recorded.pid !== 'number') return;
  const live = identifyProcess(recorded.pid);
  if (live === undefined || live.start !== recorded.start || live.boot !== recorded.boot) return;
  throw new AppError('ERR_ALREADY_RUNNING', `Attune is already running for ${home} (pid ${live.pid}, ${String(recorded.url)})`);
}

/** `attune up`: every service in this process until SIGINT or SIGTERM. */
export async function runUp(options: { home?: string; configFile?: string }): Promise<void> {
  const config = loadConfig(options);
  mkdirSync(config.home, { recursive: true, mode: 0o700 });
  chmodSync(config.home, 0o700); // history, logs and parameters live here: the owner's alone
  assertNotRunning(config.home);
  const { log, file: logFile } = createLogger(config);
  // Whatever is still queued when the process ends (a second signal, a crash) gets one last try.
  process.once('exit', () => logFile.flushSync());
  const attune = await startAttune(config, { log, baseEnv: inheritedEnvironment() });
  const apiFile = path.join(config.home, API_FILE);
  writeFileSync(apiFile, `${JSON.stringify({ url: attune.url, ...identifyProcess(process.pid), pid: process.pid })}\n`, { mode: 0o600 });
  process.stdout.write(`Attune ${VERSION} is up\n  API:      ${attune.url}\n  docs:     ${attune.url}/docs\n  data dir: ${config.home}\n`);
  const exposure = exposureWarning(config.server);
  if (exposure !== undefined) process.stdout.write(`\nWARNING: ${exposure}\n`);
  if (attune.firstStart) {
    process.stdout.write(
      `\nFirst start: an "${ADMIN_LOGIN}" identity was created. Its password (shown only now):\n  ${attune.firstStart.password}\n` +
        `The attune CLI on this machine is already logged in (${path.join(config.home, CLI_TOKEN_FILE)}).\n`,
    );
  }

  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    process.stdout.write(`${signal}: stopping Attune…\n`);
    void attune
      .stop()
      .then(() => rmSync(apiFile, { force: true }))
      .then(() => logFile.close())
      .then(() => process.stdout.write('Attune stopped\n'))
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
