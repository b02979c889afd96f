import { AppError, type Execution, type ExecutionId, isTerminal } from '../domain/index.js';
import type { PackCatalog } from '../packs/index.js';
import type { Store } from '../store/index.js';
import type { WorkflowDoc } from './workflow-doc.js';
import { rewindWorkflow } from './workflow-rewind.js';

export interface RerunRequest {
  /** The finished workflow execution to re-run. */
  readonly executionId: ExecutionId;
  /** The tasks to re-run from (at least one): they and every task after them run again. */
  readonly fromTasks: readonly string[];
  readonly requestedBy: string | null;
}

/**
 * Creates the execution of a rerun, as StackStorm's `st2 execution re-run <id> --tasks <task>`
 * does for Orquesta workflows: a **new** workflow execution (`rerunOf` the original, which stays
 * as it ended) that starts from the original's state rewound to before `fromTasks`
 * (workflow-rewind.ts). The rewound state row is written with the execution, inactive, in one
 * transaction; the workflow engine resumes it when it takes the `requested` execution, like any
 * other, so a rerun works the same in both modes. The caller publishes `execution.requested`.
 */
export async function createRerun(store: Store, catalog: PackCatalog, request: RerunRequest): Promise<Execution> {
  const { executionId: id, fromTasks } = request;
  const original = await store.executions.get(id);
  if (!original) throw new AppError('ERR_EXECUTION_NOT_FOUND', `no execution ${id}`);
  const row = await store.workflows.get(id);
  if (!row) throw new AppError('ERR_EXECUTION_NOT_WORKFLOW', `execution ${id} (${original.actionRef}) is not a workflow execution`);
  if (original.parentId !== null) {
    throw new AppError('ERR_EXECUTION_NOT_WORKFLOW', `execution ${id} is a task of workflow ${original.parentId}: re-run that one from the task`);
  }
  if (!isTerminal(original.status) || row.active) {
    throw new AppError('ERR_EXECUTION_NOT_FINISHED', `workflow execution ${id} has not ended (${original.status}): wait for it or cancel it first`);
  }
  const spec = (await catalog.action(original.actionRef))?.workflow;
  if (!spec) throw new AppError('ERR_ACTION_NOT_FOUND', `the workflow action "${original.actionRef}" is no longer installed`);
  const doc = rewindWorkflow(spec, row.state as WorkflowDoc, fromTasks);
  if (typeof doc === 'string') throw new AppError('ERR_WORKFLOW_TASK_NOT_FOUND', doc);
  return store.transaction(async (tx) => {
    const rerun = await tx.executions.create({
      actionRef: original.actionRef,
      // Stored as the original stored them: secret values stay sealed, defaults already applied.
      parameters: original.parameters,
      secretParameters: original.secretParameters,
      timeoutSeconds: original.timeoutSeconds,
      requestedBy: request.requestedBy,
      rerunOf: original.id,
    });
    await tx.workflows.create({ executionId: rerun.id, actionRef: original.actionRef, state: doc, dueAt: null, active: false });
    return rerun;
  });
}
