export { readCliEnvironment, resolveHome } from './cli-environment.js';
export { inheritedEnvironment, loadConfig, sqlitePath, type LoadConfigOptions } from './load.js';
export type { AuthConfig, Config, ExecutorConfig, ProcessConfig, RulesConfig, SensorsConfig, ServerConfig, WorkerConfig } from './schema.js';
export { PACKS_DEFAULTS, type PacksConfig } from './schema.js';
