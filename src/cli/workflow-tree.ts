import type { ExecutionJson, ExecutionSummaryJson, WorkflowTaskJson } from '../api-contract/index.js';
import type { ApiClient } from './api-client.js';
import { formatDuration } from './output.js';

const CHILDREN_PAGE = 1000;

function duration(start: string | null, end: string | null): string {
  return start && end ? formatDuration(Date.parse(end) - Date.parse(start)) : '-';
}

/** Every child of a workflow execution, oldest first. */
async function childrenOf(client: ApiClient, id: number): Promise<ExecutionSummaryJson[]> {
  const children: ExecutionSummaryJson[] = [];
  for (let offset = 0; ; offset += CHILDREN_PAGE) {
    const page = await client.list<ExecutionSummaryJson>('/executions', { parent: id, limit: CHILDREN_PAGE, offset });
    children.push(...page.data);
    if (page.data.length < CHILDREN_PAGE) break;
  }
  return children.sort((a, b) => a.id - b.id);
}

function taskLine(task: WorkflowTaskJson): string {
  const next = task.transitions.length > 0 ? `  → ${task.transitions.join(', ')}` : '';
  const runs = task.runs > 1 ? `  (${task.runs} runs)` : '';
  return `  ${task.name}  ${task.status}  ${duration(task.started_at, task.finished_at)}${runs}${next}`;
}

function childLine(child: ExecutionSummaryJson): string {
  return `    #${child.id} ${child.action_ref}  ${child.status}  ${duration(child.started_at, child.finished_at)}`;
}

/**
 * The task tree of a workflow execution: each task with its status, duration and the transitions
 * it took, and under it the child executions that ran it.
 */
export async function renderWorkflowTree(client: ApiClient, execution: ExecutionJson): Promise<string> {
  const tasks = execution.workflow_tasks ?? [];
  const children = await childrenOf(client, execution.id);
  const lines = [`tasks of workflow ${execution.id} (${execution.action_ref}, ${execution.status}):`];
  for (const task of tasks) {
    lines.push(taskLine(task));
    lines.push(...children.filter((c) => c.task_name === task.name).map(childLine));
  }
  return lines.join('\n');
}
