import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { parse as parseYaml } from 'yaml';
import { AppError } from '../domain/index.js';
import { resolveHome } from './cli-environment.js';
import { type Config, ConfigSchema } from './schema.js';

export interface LoadConfigOptions {
  /** `--home`; wins over ATTUNE_HOME. */
  readonly home?: string;
  /** `--config`; defaults to <home>/attune.yaml when that exists. */
  readonly configFile?: string;
  readonly env?: NodeJS.ProcessEnv;
}

const ENV_PREFIX = 'ATTUNE__';


/** Defaults, then the YAML file, then ATTUNE__SECTION__KEY variables; validated and frozen. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const home = resolveHome(options.home, env);
  const file = options.configFile ?? path.join(home, 'attune.yaml');
  const fromFile = options.configFile !== undefined || existsSync(file) ? readConfigFile(file) : {};
  const merged = mergeDeep(mergeDeep({}, fromFile), readEnv(env));
  merged.home = home;
  const withDefaults = Value.Default(ConfigSchema, merged);
  const converted = Value.Convert(ConfigSchema, withDefaults);
  const errors = [...Value.Errors(ConfigSchema, converted)];
  if (errors.length > 0) {
    const details = errors.map((e) => ({ field: e.path.replace(/^\//, '').replaceAll('/', '.'), message: e.message }));
    const first = details[0];
    throw new AppError('ERR_CONFIG_INVALID', `invalid configuration: ${first?.field}: ${first?.message}`, { details });
  }
  return deepFreeze(converted as Config);
}

function readConfigFile(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new AppError('ERR_CONFIG_INVALID', `cannot read config file ${file}`, { cause });
  }
  const parsed: unknown = parseYaml(text);
  if (parsed === null || parsed === undefined) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new AppError('ERR_CONFIG_INVALID', `${file}: the config file must be a mapping`);
  }
  return parsed as Record<string, unknown>;
}

/** ATTUNE__SERVER__PORT=9000 → { server: { port: '9000' } }; values are converted by the schema. */
function readEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || value === undefined) continue;
    const keys = name.slice(ENV_PREFIX.length).toLowerCase().split('__');
    let node = out;
    for (const key of keys.slice(0, -1)) {
      node[key] ??= {};
      node = node[key] as Record<string, unknown>;
    }
    const last = keys.at(-1);
    if (last) node[last] = parseEnvValue(value);
  }
  return out;
}

function parseEnvValue(value: string): unknown {
  // Lists (packs.paths) may be given as JSON; anything else stays a string for Value.Convert.
  if (value.startsWith('[')) {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value; // not JSON after all: let schema validation report it
    }
  }
  return value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mergeDeep(target: Record<string, unknown>, source: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    target[key] = isPlainObject(current) && isPlainObject(value) ? mergeDeep({ ...current }, value) : value;
  }
  return target;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}


/** The sqlite file path a config points at, or undefined when the database is not SQLite. */
export function sqlitePath(config: Config): string | undefined {
  const url = config.database.url;
  if (url === '') return path.join(config.home, 'attune.db');
  if (url.startsWith('sqlite:')) return path.resolve(config.home, url.slice('sqlite:'.length));
  return undefined;
}

/** The environment child processes inherit their PATH, HOME, LANG and TMPDIR from. */
export function inheritedEnvironment(env: NodeJS.ProcessEnv = process.env): Readonly<Record<string, string | undefined>> {
  return env;
}
