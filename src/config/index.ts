export { readCliEnvironment, resolveHome } from './cli-environment.js';
export { inheritedEnvironment, loadConfig, sqlitePath, type LoadConfigOptions } from './load.js';
export type { Config, ExecutorConfig, ProcessConfig, SensorsConfig, ServerConfig, WorkerConfig } from './schema.js';
