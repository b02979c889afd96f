import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { openAdapters } from '../adapters.js';
import { AuditLog, AuthService, ServiceTokens } from '../auth/index.js';
import type { Bus } from '../bus/index.js';
import type { Config } from '../config/index.js';
import { AppError } from '../domain/index.js';
import { ExecutionRequests } from '../executor/index.js';
import { PackCatalog } from '../packs/index.js';
import { type Containment, detectContainment } from '../process/index.js';
import { SecretBox } from '../secrets/index.js';
import { EventIngest } from '../sensors/index.js';
import type { Store } from '../store/index.js';

/** The installed package's root: dist/services/ (and src/services/) sit two levels below it. */
const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CORE_PACK_DIR = path.join(PACKAGE_ROOT, 'packs', 'core');
export const EXAMPLES_PACK_DIR = path.join(PACKAGE_ROOT, 'packs', 'examples');
export const VERSION = (JSON.parse(readFileSync(path.join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** The services a process can run (DESIGN §2); `attune up` runs them all. */
export const SERVICE_NAMES = ['api', 'executor', 'worker', 'sensor'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** `--services api,worker` → the names, in start order; ERR_CONFIG_INVALID names an unknown one. */
export function parseServiceList(list: string): readonly ServiceName[] {
  const names = list.split(',').map((name) => name.trim()).filter((name) => name !== '');
  const unknown = names.filter((name) => !(SERVICE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new AppError('ERR_CONFIG_INVALID', `--services: expected a comma-separated list of ${SERVICE_NAMES.join(', ')}, got "${list}"`);
  }
  return SERVICE_NAMES.filter((name) => names.includes(name));
}

export interface ServiceOptions {
  readonly log: Logger;
  /** The environment actions and sensors inherit PATH, HOME, LANG and TMPDIR from. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** The spawner helper program (default: the one of this build); tests pass one bundled from source. */
  readonly spawnerEntry?: string;
}

/**
 * What every service of one process shares: the adapters, the pack catalog's cache, the secret
 * box, and the auth pieces that issue tokens to sensors and actions. Built once per process.
 */
export interface SharedParts {
  readonly config: Config;
  readonly options: ServiceOptions;
  readonly log: Logger;
  readonly store: Store;
  readonly bus: Bus;
  readonly catalog: PackCatalog;
  readonly secrets: SecretBox;
  readonly audit: AuditLog;
  readonly auth: AuthService;
  readonly serviceTokens: ServiceTokens;
  readonly ingest: EventIngest;
  readonly executions: ExecutionRequests;
  /** Whether this process's database admits no other process (SQLite): every orphan is then ours. */
  readonly isExclusive: boolean;
  /** How actions and sensors are contained here; detected (and logged) on first use. */
  containment(): Containment;
}

/** A started service: `stop` ends what it runs (running actions end `abandoned`). */
export interface RunningService {
  readonly name: ServiceName | 'health';
  stop(): Promise<void>;
}

export async function openSharedParts(config: Config, options: ServiceOptions): Promise<SharedParts> {
  const { log } = options;
  const { store, bus, description } = await openAdapters(config, log);
  const catalog = new PackCatalog({ store, bus });
  const secrets = SecretBox.forHome(config.home);
  const audit = new AuditLog({ store, log });
  const auth = new AuthService({ store, secrets, log, config: config.auth, audit });
  let containment: Containment | undefined;
  return {
    config,
    options,
    log,
    store,
    bus,
    catalog,
    secrets,
    audit,
    auth,
    // Tokens for what Attune runs: sensors (ATTUNE_API_TOKEN, renewable) and actions with api_access.
    serviceTokens: new ServiceTokens({ auth, store, sensorTokenTtlSeconds: config.auth.sensor_token_ttl_seconds }),
    ingest: new EventIngest({ store, bus, log, catalog }),
    executions: new ExecutionRequests({ store, bus, log, catalog, secrets }),
    isExclusive: description.database.startsWith('sqlite:'),
    containment: () => (containment ??= chooseContainment(config, log)),
  };
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
