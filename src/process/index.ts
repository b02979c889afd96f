// Supervised child processes, shared by the sensor service and the worker (DESIGN §9): how a
// program is found and launched, with what environment; SupervisedChild, which runs it in its
// own process group and cell (a cell holds it and everything it starts), reads its output and
// sweeps both once it exits; escalateSignals, which stops it; and its identity, by which what
// is left of it is ended after a crash.
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
export { removeFreeCells } from './cell-pool.js';
export { buildChildEnv, INHERITED_ENV_VARS } from './child-env.js';
export { detectContainment, type ContainmentChoice, type Detected } from './detect-containment.js';
export { CELL_ENV } from './environ-cell.js';
export { escalateSignals, STOP_SIGNALS, type SignalTarget } from './escalate-signals.js';
export {
  commandLineLaunch,
  encodeCommandLine,
  findExecutable,
  resolveEntryPath,
  resolveLaunch,
  RUNNER_INTERPRETERS,
  type LaunchCommand,
  type LaunchResolution,
  type ProcessRunnerType,
  type ProgramRunnerType,
} from './launch-plan.js';
export { isErrno, signalGroup } from './process-group.js';
export { identifyProcess, killOrphanedProcess } from './process-identity.js';
export {
  describeChildExit,
  OUTPUT_DRAIN_MS,
  SupervisedChild,
  type ChildExit,
  type OutputSink,
  type SupervisedChildOptions,
} from './supervised-child.js';
export { WarmLauncher } from './warm-launcher.js';
