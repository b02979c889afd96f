export { inheritedEnvironment, loadConfig, readCliEnvironment, resolveHome, sqlitePath, type LoadConfigOptions } from './load.js';
export type { Config, ExecutorConfig, ServerConfig, WorkerConfig } from './schema.js';
