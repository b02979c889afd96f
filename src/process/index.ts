// Supervised child processes, shared by the sensor service and the worker (DESIGN §9): how a
// program is found and launched, its environment, its process group and cell (a cell holds it and
// everything it starts, so that all of it can be ended together), and its identity after a crash.
export {
  CONTAINMENT_KINDS,
  NO_CONTAINMENT,
  createCell,
  killCell,
  launchInCell,
  releaseCell,
  spawnInCell,
  type Containment,
  type ContainmentKind,
  type Launch,
} from './cell.js';
export { buildChildEnv, INHERITED_ENV_VARS } from './child-env.js';
export { detectContainment, type ContainmentChoice, type Detected } from './detect-containment.js';
export { CELL_ENV } from './environ-cell.js';
export {
  findExecutable,
  resolveEntryPath,
  resolveLaunch,
  type LaunchCommand,
  type LaunchResolution,
  type ProcessRunnerType,
} from './launch-plan.js';
export { isErrno, signalGroup } from './process-group.js';
export { identifyProcess, killOrphanedProcess } from './process-identity.js';
