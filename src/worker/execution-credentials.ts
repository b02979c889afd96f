import type { Action, Execution, ExecutionId, Rule } from '../domain/index.js';

/**
 * Where the worker gets the API token of an action that asked for API access (`api_access: true`).
 * A narrow port so a worker on another host can get tokens over the network later; main.ts wires
 * the one of this process (auth's ExecutionTokens).
 */
export interface ExecutionCredentials {
  /**
   * An execution token for this execution, valid only while it has not ended. `permissionSet`:
   * the set it carries; null leaves the choice to the issuer (the requester's sets for a run
   * asked through the API, a default otherwise).
   */
  issue(execution: Pick<Execution, 'id' | 'requestedBy'>, permissionSet: string | null): Promise<string>;
  /** Revokes every token of the execution (it ended). */
  revoke(executionId: ExecutionId): Promise<void>;
}

/** The permission set an execution runs with: its rule's, else its action's (null: neither names one). */
export function executionPermissionSet(rule: Pick<Rule, 'permissionSet'> | undefined, action: Pick<Action, 'permissionSet'>): string | null {
  return rule?.permissionSet ?? action.permissionSet ?? null;
}
