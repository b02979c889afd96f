import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import { exposureWarning } from './api/index.js';
import { type Config, inheritedEnvironment, loadConfig } from './config/index.js';
import { ADMIN_LOGIN, type AuthService, type FirstStart } from './auth/index.js';
import { AppError } from './domain/index.js';
import { FdSink, LogFile } from './logging/index.js';
import { identifyProcess } from './process/index.js';
import { CLI_TOKEN_FILE, SERVICE_NAMES, type ServiceName, type ServiceOptions, type ServiceProcess, VERSION, startServices } from './services/index.js';
import type { Store } from './store/index.js';

export { CLI_TOKEN_FILE, CORE_PACK_DIR, EXAMPLES_PACK_DIR, parseServiceList } from './services/index.js';

/** Written to the data dir once the API listens, so the CLI finds `attune up` without flags. */
export const API_FILE = 'api.json';
/** Written to the data dir of a process without the API: where its health check answers. */
export const HEALTH_FILE = 'health.json';

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

export type StartOptions = ServiceOptions;

/**
 * Starts every service in this process (DESIGN §2), on the store and bus the config names:
 * SQLite and the in-process bus (embedded), or PostgreSQL and RabbitMQ.
 */
export async function startAttune(config: Config, options: StartOptions): Promise<Attune> {
  const started = await startServices(config, SERVICE_NAMES, options);
  if (!started.api) throw new Error('the API service did not start');
  return { ...started, api: started.api };
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

/**
 * `attune up` (every service, or those of `--services`) and `attune api|executor|worker|sensor`:
 * the chosen services in this process until SIGINT or SIGTERM.
 */
export async function runServices(options: { home?: string; configFile?: string; services?: readonly ServiceName[] }): Promise<void> {
  const config = loadConfig(options);
  const names = options.services ?? SERVICE_NAMES;
  mkdirSync(config.home, { recursive: true, mode: 0o700 });
  chmodSync(config.home, 0o700); // history, logs and parameters live here: the owner's alone
  assertNotRunning(config.home);
  const { log, file: logFile } = createLogger(config);
  // Whatever is still queued when the process ends (a second signal, a crash) gets one last try.
  process.once('exit', () => logFile.flushSync());
  const started = await startServices(config, names, { log, baseEnv: inheritedEnvironment() });
  // The CLI finds the API through api.json; a process without it says where its health check is.
  const urlFile = path.join(config.home, started.api ? API_FILE : HEALTH_FILE);
  const recorded = { url: started.url, services: names, ...identifyProcess(process.pid), pid: process.pid };
  writeFileSync(urlFile, `${JSON.stringify(recorded)}\n`, { mode: 0o600 });
  announce(started);
  stopOnSignals(log, async () => {
    await started.stop();
    rmSync(urlFile, { force: true });
    await logFile.close();
  });
}

/** `attune up`: every service in this process until SIGINT or SIGTERM. */
export function runUp(options: { home?: string; configFile?: string }): Promise<void> {
  return runServices(options);
}

function announce(started: ServiceProcess): void {
  const { config, url, firstStart } = started;
  const lines = [`Attune ${VERSION} is up`, `  services: ${started.services.join(', ')}`];
  if (started.api) lines.push(`  API:      ${url}`, `  docs:     ${url}/docs`);
  else lines.push(`  health:   ${url}/api/v1/health`, `  API used: ${started.apiUrl}`);
  lines.push(`  data dir: ${config.home}`);
  const exposure = started.api ? exposureWarning(config.server) : undefined;
  if (exposure !== undefined) lines.push('', `WARNING: ${exposure}`);
  if (firstStart) {
    lines.push(
      '',
      `First start: an "${ADMIN_LOGIN}" identity was created. Its password (shown only now):`,
      `  ${firstStart.password}`,
      `The attune CLI on this machine is already logged in (${path.join(config.home, CLI_TOKEN_FILE)}).`,
    );
  }
  // One write: a program reading stdout (a supervisor, a test) that sees "is up" sees the rest too.
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** The first SIGINT or SIGTERM stops the services gracefully; a second exits at once. */
function stopOnSignals(log: Logger, stop: () => Promise<void>): void {
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    signals++;
    if (signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    process.stdout.write(`${signal}: stopping Attune…\n`);
    void stop()
      .then(() => process.stdout.write('Attune stopped\n'))
      .catch((error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exitCode = 1;
      });
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
