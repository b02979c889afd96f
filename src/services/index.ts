export { CLI_TOKEN_FILE } from './api-service.js';
export { type ServiceProcess, startServices } from './compose.js';
export { CORE_PACK_DIR, EXAMPLES_PACK_DIR, SERVICE_NAMES, type ServiceName, type ServiceOptions, VERSION, parseServiceList } from './service-kit.js';
