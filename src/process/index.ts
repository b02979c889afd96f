// Process containment: a cell per action or sensor process that holds it and everything it
// starts, so that all of it can be ended together (DESIGN §9: src/process is shared by sensors
// and workers).
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
export { detectContainment, type ContainmentChoice, type Detected } from './detect-containment.js';
export { CELL_ENV } from './environ-cell.js';
