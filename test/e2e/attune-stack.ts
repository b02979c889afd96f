import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import path from 'node:path';
import { TestDatabases, dropDatabase } from '../support/postgres.js';
import { TestVhosts, deleteVhost } from '../support/rabbitmq.js';
import { runCli } from './cli.js';
import { type AttuneRunner, SingleProcess, type StartOptions } from './single-process.js';

/** The services besides the API, each started as its own process with a data dir of its own. */
const BACKGROUND_SERVICES = ['executor', 'worker', 'sensor'] as const;

/**
 * A worker killed with the rest of a stack leaves its executions `running` until an executor sees
 * its heartbeat stop (30 s by default): tests that restart a killed stack wait for less. A test's
 * own env wins.
 */
const HEARTBEATS = { ATTUNE__WORKER__HEARTBEAT_MS: '500', ATTUNE__WORKER__HEARTBEAT_TIMEOUT_MS: '3000', ATTUNE__EXECUTOR__SUPERVISOR_INTERVAL_MS: '1000' };

/** What a stack made outside its data dir, kept in it so a stack started again on it finds them. */
interface StackState {
  /** ATTUNE__DATABASE__URL and ATTUNE__BUS__URL of every process. */
  readonly database: string;
  readonly bus: string;
  readonly vhost: string;
}

/**
 * The distributed counterpart of one `attune up` (ATTUNE_E2E_MODE=distributed): a fresh
 * PostgreSQL database and RabbitMQ vhost, `attune db migrate`, then, all at once, `attune api` in
 * `home` (so the CLI finds its api.json and cli-token there) and `attune executor`, `worker` and
 * `sensor` in `<home>/stack/<service>`, all with one secret key, as docs/deploy.md says hosts share it.
 * Packs written under `home` are on the same paths for every process (one machine).
 * Started again on the same `home` (a restart in a test), it reuses the database and vhost;
 * `dispose` drops them.
 */
export class AttuneStack implements AttuneRunner {
  readonly #home: string;
  readonly #env: Record<string, string>;
  #api: SingleProcess | undefined;
  readonly #services: SingleProcess[] = [];

  constructor(home: string, env: Record<string, string>) {
    this.#home = home;
    this.#env = { ...HEARTBEATS, ...env };
  }

  get url(): string {
    return this.#api?.url ?? '';
  }

  get pid(): number | undefined {
    return this.#api?.pid;
  }

  get output(): string {
    const parts = [this.#api?.output ?? '', ...this.#services.map((s, i) => `\n--- attune ${BACKGROUND_SERVICES[i]} ---\n${s.output}`)];
    return parts.join('');
  }

  async start(options: StartOptions): Promise<void> {
    const state = await this.#prepare();
    const adapters = { ATTUNE__DATABASE__URL: state.database, ATTUNE__BUS__URL: state.bus };
    // One key for every process, made once and copied, as docs/deploy.md says of hosts.
    const key = path.join(this.#home, 'secrets', 'parameters.key');
    if (!existsSync(key)) writeSecret(key, randomBytes(32));
    // The API's port is chosen first, so every process starts at once knowing the API's URL.
    const given = this.#env.ATTUNE__SERVER__PORT ?? '0';
    const port = given === '0' ? String(await freePort()) : given;
    const apiUrl = `${this.#env.ATTUNE__SERVER__TLS__CERT ? 'https' : 'http'}://127.0.0.1:${port}`;
    this.#api = new SingleProcess(this.#home, { ...this.#env, ...adapters, ATTUNE__SERVER__PORT: port }, ['api']);
    this.#services.length = 0;
    // The others' health checks take any port.
    const env = { ...this.#env, ...adapters, ATTUNE__SERVER__API_URL: apiUrl, ATTUNE__SERVER__PORT: '0' };
    for (const service of BACKGROUND_SERVICES) {
      const home = path.join(this.#home, 'stack', service);
      writeSecret(path.join(home, 'secrets', 'parameters.key'), readFileSync(key));
      this.#services.push(new SingleProcess(home, env, [service]));
    }
    await Promise.all([this.#api.start(options), ...this.#services.map((s) => s.start({}))]);
  }

  async stop(signal: NodeJS.Signals): Promise<number | null> {
    const codes = await Promise.all([this.#api, ...this.#services].map((p) => p?.stop(signal) ?? Promise.resolve(0)));
    return codes.find((code) => code !== 0) ?? 0;
  }

  async dispose(): Promise<void> {
    const file = this.#stateFile();
    if (!existsSync(file)) return;
    const state = JSON.parse(readFileSync(file, 'utf8')) as StackState;
    rmSync(file);
    await Promise.all([dropDatabase(adminUrl('TEST_PG_URL'), new URL(state.database).pathname.slice(1)), deleteVhost(state.vhost)]);
  }

  /** The database and vhost of this data dir: made (and migrated) at the first start, then reused. */
  async #prepare(): Promise<StackState> {
    const file = this.#stateFile();
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StackState;
    // The empty database is prepared first, as an operator would before starting services.
    const migrated = async (): Promise<string> => {
      const database = await new TestDatabases(adminUrl('TEST_PG_URL')).create();
      const result = await runCli(['--home', this.#home, 'db', 'migrate'], { ...this.#env, ATTUNE__DATABASE__URL: database });
      if (result.code !== 0) throw new Error(`attune db migrate failed (${result.code}):\n${result.stderr}`);
      return database;
    };
    const [database, vhost] = await Promise.allSettled([migrated(), new TestVhosts(adminUrl('TEST_AMQP_URL')).create()]);
    if (database.status === 'rejected' || vhost.status === 'rejected') {
      if (database.status === 'fulfilled') await dropDatabase(adminUrl('TEST_PG_URL'), new URL(database.value).pathname.slice(1));
      if (vhost.status === 'fulfilled') await deleteVhost(vhost.value.vhost);
      throw database.status === 'rejected' ? database.reason : (vhost as PromiseRejectedResult).reason;
    }
    const state: StackState = { database: database.value, bus: vhost.value.url, vhost: vhost.value.vhost };
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${JSON.stringify(state)}\n`);
    return state;
  }

  #stateFile(): string {
    return path.join(this.#home, 'stack', 'stack.json');
  }
}

/** Writes a secret file (mode 0600) in a directory of the owner's alone. */
function writeSecret(file: string, bytes: Buffer): void {
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  writeFileSync(file, bytes, { mode: 0o600 });
  chmodSync(file, 0o600);
}

/** A port free right now, for the API a stack is about to start. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** The server URL a distributed e2e run needs: TEST_PG_URL or TEST_AMQP_URL. */
function adminUrl(name: 'TEST_PG_URL' | 'TEST_AMQP_URL'): string {
  const value = process.env[name] ?? '';
  if (value === '') throw new Error(`ATTUNE_E2E_MODE=distributed needs ${name} (e.g. ${name === 'TEST_PG_URL' ? 'postgres://postgres@127.0.0.1:5432/postgres' : 'amqp://guest:guest@127.0.0.1:5672'})`);
  return value;
}
