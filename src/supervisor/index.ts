/**
 * Supervision shared by the services that re-drive work from the database (DESIGN §2): each runs
 * its sweep as a PeriodicTask, jittered so that several processes do not sweep together.
 */
export { PeriodicTask } from './periodic-task.js';
