export { loadPack } from './load-pack.js';
export type {
  ActionDefinition,
  PackDefinition,
  RuleDefinition,
  SensorDefinition,
  TriggerDefinition,
} from './pack-definition.js';
export { ACTION_DEFAULTS } from './pack-definition.js';
export { CORE_PACK_REF, PackRegistry, listPackDirs, type PackRegistryOptions } from './pack-registry.js';
export { PackCatalog } from './pack-catalog.js';
export type { PackLimits } from './pack-files.js';
export { PackQueries } from './pack-queries.js';
export { PREBUILT_DIR, fingerprintPack, loadPrebuilt, writePrebuilt } from './prebuilt-packs.js';
