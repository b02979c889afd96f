import type { ExecutionStatus } from '../domain/index.js';

/**
 * The statuses from which the executor itself starts what no worker runs (a workflow, a
 * `core.ask`): `requested`, or `scheduled` once a policy admitted it (docs/policies.md).
 */
export const STARTABLE = ['requested', 'scheduled'] as const satisfies readonly ExecutionStatus[];

export function isStartable(status: ExecutionStatus): boolean {
  return (STARTABLE as readonly ExecutionStatus[]).includes(status);
}
