/** Every execution status, in lifecycle order (DESIGN §1). */
export const EXECUTION_STATUSES = [
  'requested',
  'scheduling',
  'scheduled',
  'running',
  'canceling',
  'completed',
  'failed',
  'timeout',
  'cancelled',
  'abandoned',
] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const TERMINAL_STATUSES = ['completed', 'failed', 'timeout', 'cancelled', 'abandoned'] as const;
export type TerminalStatus = (typeof TERMINAL_STATUSES)[number];

/** Statuses the executor owns: an execution here has not reached a worker yet. */
export const PENDING_STATUSES = ['requested', 'scheduling', 'scheduled'] as const;
export type PendingStatus = (typeof PENDING_STATUSES)[number];

/** Statuses a worker holds: a process may be alive for them. */
export const ACTIVE_STATUSES = ['running', 'canceling'] as const;

export function isTerminal(status: ExecutionStatus): status is TerminalStatus {
  return (TERMINAL_STATUSES as readonly string[]).includes(status);
}

export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${String(value)}`);
}
