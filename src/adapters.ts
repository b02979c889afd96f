import { once } from 'node:events';
import { createReadStream, createWriteStream, mkdirSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import pino, { type Logger } from 'pino';
import { type Bus, type DeadLetter, InProcessBus, loadAmqpBus } from './bus/index.js';
import { type Config, loadConfig, sqlitePath } from './config/index.js';
import { AppError, redactUrl } from './domain/index.js';
import { loadPostgresDialect, openStore, sqliteDialect, type Store, type StoreDialect } from './store/index.js';

/**
 * Which store and bus a process uses, from `database.url` and `bus.url` (DESIGN §2): SQLite and
 * the in-process bus for the embedded mode, PostgreSQL and RabbitMQ for the distributed one.
 * pg and amqplib are imported only when chosen, so the embedded start never loads them.
 */
export interface Adapters {
  readonly store: Store;
  readonly bus: Bus;
  /** What was chosen, for the log: URLs without their passwords. */
  readonly description: { readonly database: string; readonly bus: string };
}

const POSTGRES_SCHEMES = ['postgres:', 'postgresql:'];
const AMQP_SCHEMES = ['amqp:', 'amqps:'];

function schemeOf(url: string): string {
  return url.slice(0, url.indexOf(':') + 1).toLowerCase();
}

/** The store dialect `database.url` names; ERR_CONFIG_INVALID for any other scheme. */
async function chooseDialect(config: Config, log: Logger): Promise<{ dialect: StoreDialect; description: string }> {
  const file = sqlitePath(config);
  if (file !== undefined) return { dialect: sqliteDialect(file), description: `sqlite:${file}` };
  const { url, pool_size: poolSize } = config.database;
  if (!POSTGRES_SCHEMES.includes(schemeOf(url))) {
    throw new AppError('ERR_CONFIG_INVALID', `database.url: expected empty, sqlite:<path>, postgres://… or postgresql://…, got ${redactUrl(url)}`);
  }
  const onIdleError = (error: Error) => log.warn({ err: error }, 'idle database connection failed; the pool opens another when needed');
  return { dialect: await loadPostgresDialect({ url, poolSize, onIdleError }), description: redactUrl(url) };
}

/** Opens the store of `database.url` and brings its schema up to date. */
export async function openConfiguredStore(config: Config, log: Logger): Promise<{ store: Store; description: string }> {
  const { dialect, description } = await chooseDialect(config, log);
  const store = await openStore(dialect).catch((error: unknown) => {
    // The SQLite database is held in exclusive locking mode by the one Attune that runs on it
    // (DESIGN §2): that lock, not a pid in api.json, is what says another one is running.
    if ((error as { code?: unknown }).code !== 'SQLITE_BUSY') throw error;
    throw new AppError('ERR_ALREADY_RUNNING', `Attune is already running for ${config.home}: another process holds its database ${description}`, { cause: error });
  });
  return { store, description };
}

async function openConfiguredBus(config: Config, log: Logger): Promise<{ bus: Bus; description: string }> {
  const { url, max_attempts: maxAttempts, retry_delay_ms: retryDelayMs } = config.bus;
  const onDeadLetter = (dead: DeadLetter) =>
    log.error({ err: dead.error, queue: dead.queue, topic: dead.delivery.topic }, 'message dead-lettered');
  if (url === 'memory:') return { bus: new InProcessBus({ maxAttempts, retryDelayMs, onDeadLetter }), description: 'memory:' };
  if (!AMQP_SCHEMES.includes(schemeOf(url))) {
    throw new AppError('ERR_CONFIG_INVALID', `bus.url: expected memory:, amqp://… or amqps://…, got ${redactUrl(url)}`);
  }
  const bus = await loadAmqpBus({
    url,
    log,
    maxAttempts,
    retryDelayMs,
    onDeadLetter,
    defaultPrefetch: config.bus.prefetch,
    publishTimeoutMs: config.bus.publish_timeout_ms,
  });
  return { bus, description: redactUrl(url) };
}

/** Opens both adapters (the store first: it is the authority) and logs which ones this process uses. */
export async function openAdapters(config: Config, log: Logger): Promise<Adapters> {
  const { store, description: database } = await openConfiguredStore(config, log);
  let bus: Bus;
  let busDescription: string;
  try {
    ({ bus, description: busDescription } = await openConfiguredBus(config, log));
  } catch (error) {
    await store.close();
    throw error;
  }
  const description = { database, bus: busDescription };
  log.info(description, 'adapters chosen');
  return { store, bus, description };
}

/**
 * `attune db migrate`: brings the database of `database.url` (an empty PostgreSQL database, or the
 * SQLite file of the data dir) to the current schema, and exits. Returns what it migrated.
 */
export async function runMigrate(options: { home?: string; configFile?: string }): Promise<string> {
  const config = loadConfig(options);
  const log = pino({ level: 'warn' }, pino.destination(2));
  if (sqlitePath(config) !== undefined) mkdirSync(config.home, { recursive: true, mode: 0o700 });
  const { store, description } = await openConfiguredStore(config, log);
  await store.close();
  return description;
}

/**
 * `attune export`: writes every record of the store of `database.url` (or `databaseUrl`) as JSON
 * lines to `target` (a file, made mode 0600, or `-` for stdout), through the store port. An
 * offline tool like `attune db migrate`: run it while no service writes to that database.
 */
export async function runExport(options: TransferOptions & { target: string }): Promise<Record<string, number>> {
  const { store, description } = await openTransferStore(options);
  const { exportStore } = await import('./transfer/index.js');
  let out: NodeJS.WritableStream & { end(cb: (err?: Error | null) => void): unknown } = process.stdout;
  try {
    if (options.target !== '-') out = createWriteStream('', { fd: createExportFile(options.target) });
  } catch (error) {
    await store.close();
    throw error;
  }
  let counts: Record<string, number> = {};
  try {
    for await (const line of exportStore(store, description)) {
      if (line.kind === 'end') counts = line.counts;
      if (!out.write(`${JSON.stringify(line)}\n`)) await once(out, 'drain');
    }
  } finally {
    await store.close();
    if (out !== process.stdout) await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
  return counts;
}

/** Makes the export file (mode 0600), never over an existing one. */
function createExportFile(file: string): number {
  try {
    return openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new AppError('ERR_EXPORT_FILE_EXISTS', `${file} exists already: attune export writes a new file only`, { cause: error });
  }
}

interface TransferOptions {
  readonly home?: string;
  readonly configFile?: string;
  readonly databaseUrl?: string;
}

/** The store of `database.url`, or of `databaseUrl` when given, for export and import. */
function openTransferStore(options: TransferOptions): Promise<{ store: Store; description: string }> {
  const loaded = loadConfig(options);
  const config = options.databaseUrl === undefined ? loaded : { ...loaded, database: { ...loaded.database, url: options.databaseUrl } };
  if (sqlitePath(config) !== undefined) mkdirSync(config.home, { recursive: true, mode: 0o700 });
  return openConfiguredStore(config, pino({ level: 'warn' }, pino.destination(2)));
}

/**
 * `attune import`: writes an export file (or stdin, `-`) into the empty database of `database.url`
 * (or `databaseUrl`), migrating it first, through the store port; see src/transfer/import-store.ts.
 * An offline tool: run it before any service starts on that database.
 */
export async function runImport(options: TransferOptions & { source: string }): Promise<{ counts: Record<string, number>; database: string }> {
  const input = options.source === '-' ? process.stdin : createReadStream('', { fd: openImportFile(options.source) });
  const { store, description } = await openTransferStore(options).catch((error: unknown) => {
    if (input !== process.stdin) input.destroy();
    throw error;
  });
  const { importStore } = await import('./transfer/index.js');
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    return { counts: await importStore(store, lines), database: description };
  } finally {
    lines.close();
    if (input !== process.stdin) input.destroy();
    await store.close();
  }
}

/** Opens the file to import, before the database: a wrong name is told at once. */
function openImportFile(file: string): number {
  try {
    return openSync(file, 'r');
  } catch (error) {
    throw new AppError('ERR_IMPORT_INVALID', `cannot read ${file}: ${(error as Error).message}`, { cause: error });
  }
}
