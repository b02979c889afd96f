import { type Command, Option } from 'commander';
import type { ExecutionJson, ExecutionSummaryJson } from '../../api-contract/index.js';
import { EXECUTION_STATUSES } from '../../domain/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { printResultOutput, reportFinished, resultString, waitForExecution } from '../execute.js';
import { watchExecution, watchExecutions } from './execution-watch.js';
import { type Column, formatDuration, formatScalar, formatTimestamp, writeErr, writeOut } from '../output.js';
import { printDocument, printList } from '../print.js';
import { renderWorkflowTree } from '../workflow-tree.js';

const EXECUTION_COLUMNS: readonly Column<ExecutionSummaryJson>[] = [
  { header: 'id', value: (execution) => String(execution.id) },
  { header: 'action', value: (execution) => execution.action_ref },
  { header: 'task', value: (execution) => formatScalar(execution.task_name) },
  { header: 'status', value: (execution) => execution.status },
  { header: 'rule', value: (execution) => formatScalar(execution.rule_ref) },
  { header: 'created', value: (execution) => formatTimestamp(execution.created) },
  { header: 'duration', value: (execution) => formatDuration(durationOf(execution)) },
];

function durationOf(execution: ExecutionSummaryJson): number | undefined {
  const reported = execution.result_summary?.duration_ms;
  if (typeof reported === 'number') return reported;
  if (!execution.started_at || !execution.finished_at) return undefined;
  return Date.parse(execution.finished_at) - Date.parse(execution.started_at);
}

interface ListOptions {
  readonly status?: string;
  readonly action?: string;
  readonly rule?: string;
  readonly parent?: number;
  readonly limit?: number;
  readonly offset?: number;
  readonly watch?: boolean;
}

const executionId = parsePositiveInteger('execution id');

export function registerExecutionCommands(program: Command): void {
  const execution = program.command('execution').description('inspect and cancel executions');

  execution
    .command('list')
    .description('list executions, newest first')
    .addOption(new Option('--status <status>', 'only executions in this status').choices(EXECUTION_STATUSES))
    .option('--action <ref>', 'only executions of this action')
    .option('--rule <ref>', 'only executions a rule started')
    .option('--parent <id>', 'only children of this execution', parsePositiveInteger('--parent'))
    .option('--limit <n>', 'at most this many executions', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many executions', parsePositiveInteger('--offset', true))
    .option('--watch', 'then print a line per status change, live, until interrupted (--status and --action filter it too)')
    .addHelpText('after', '\nExamples:\n  $ attune execution list --status failed --limit 10\n  $ attune execution list --rule examples.tick\n  $ attune execution list --watch --action core.shell')
    .action(async (options: ListOptions, command: Command) => {
      const context = createContext(command);
      const query = {
        status: options.status,
        action_ref: options.action,
        rule_ref: options.rule,
        parent: options.parent,
        limit: options.limit,
        offset: options.offset,
      };
      const page = await (await context.client()).list<ExecutionSummaryJson>('/executions', query);
      await printList(context, page, EXECUTION_COLUMNS);
      if (options.watch) await watchExecutions(context, options);
    });

  execution
    .command('show')
    .description('show one execution with its parameters and result (a workflow also with its task tree)')
    .argument('<id>', 'execution id')
    .addHelpText('after', '\nA workflow execution is followed by its tasks: status, duration, runs, the tasks each led to (→),\nand under each task the child executions that ran it.')
    .option('--watch', 'print its status changes live; exit when it ends, non-zero unless it completed')
    .action(async (id: string, options: { watch?: boolean }, command: Command) => {
      const context = createContext(command);
      if (options.watch) return watchExecution(context, executionId(id));
      const client = await context.client();
      const found = await client.get<ExecutionJson>(`/executions/${executionId(id)}`);
      await printDocument(context, found);
      if (context.mode === 'table' && found.workflow_tasks) writeOut(await renderWorkflowTree(client, found));
    });

  execution
    .command('result')
    .description("print an execution's result (its stdout for text output)")
    .argument('<id>', 'execution id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      const found = await (await context.client()).get<ExecutionJson>(`/executions/${executionId(id)}`);
      if (context.mode !== 'table') {
        await printDocument(context, found.result);
        return;
      }
      if (!found.result) {
        writeErr(`execution ${found.id} has no result yet (status: ${found.status})`);
        return;
      }
      await printResultOutput(found);
      const stderr = resultString(found, 'stderr');
      const error = resultString(found, 'error');
      if (stderr) writeErr(stderr);
      if (error) writeErr(`error: ${error}`);
    });

  execution
    .command('rerun')
    .description('re-run a finished workflow from a task, as a new execution; the tasks before it keep their results')
    .argument('<id>', 'the workflow execution')
    .requiredOption('--from <task...>', 'the task to re-run from (repeat, or list several, to re-run several branches)')
    .option('--wait', 'follow the new execution to its end and report like `attune run`')
    .addHelpText(
      'after',
      '\nThe task and every task after it run again; the earlier tasks keep their results and published variables.\n' +
        'The new execution shows rerun_of <id>. See docs/workflows.md.\n\nExamples:\n  $ attune execution rerun 42 --from deploy\n  $ attune execution rerun 42 --from left right --wait',
    )
    .action(async (id: string, options: { from: string[]; wait?: boolean }, command: Command) => {
      const context = createContext(command);
      const client = await context.client();
      const from = options.from.flatMap((task) => task.split(',')).filter((task) => task !== '');
      const created = await client.post<ExecutionJson>(`/executions/${executionId(id)}/rerun`, { from_task: from });
      if (options.wait) return reportFinished(context, await waitForExecution(client, created));
      if (context.mode === 'table') writeOut(`execution ${created.id}: ${created.status} (rerun of ${created.rerun_of ?? id} from ${from.join(', ')})`);
      else await printDocument(context, created);
    });

  execution
    .command('cancel')
    .description('cancel an execution that has not finished')
    .argument('<id>', 'execution id')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      const cancelled = await (await context.client()).post<ExecutionJson>(`/executions/${executionId(id)}/cancel`);
      if (context.mode === 'table') writeOut(`execution ${cancelled.id}: ${cancelled.status}`);
      else await printDocument(context, cancelled);
    });
}
