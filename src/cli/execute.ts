import type { ActionJson, ExecutionJson } from '../api-contract/index.js';
import { AppError, isTerminal } from '../domain/index.js';
import type { ApiClient } from './api-client.js';
import type { CliContext } from './context.js';
import { toYaml, writeErr, writeOut } from './output.js';
import { readParamsFile } from './params-file.js';
import { convertParameters, mergeParameters, parseAssignments } from './params.js';
import { printDocument } from './print.js';

export interface ExecuteOptions {
  readonly timeoutSeconds?: number;
  readonly wait: boolean;
  /** `--params-file`: a JSON or YAML file of parameters, or "-" for stdin. */
  readonly paramsFile?: string;
}

export const PARAMS_FILE_HELP =
  'read parameters from a JSON or YAML file, or from stdin with "-" (keeps secrets out of the command line, which `ps` shows)';

/** Runs an action now; with `wait`, follows it to the end and reports like `attune run`. */
export async function executeAction(
  context: CliContext,
  actionRef: string,
  rawParameters: readonly string[],
  options: ExecuteOptions,
): Promise<void> {
  const assignments = parseAssignments(rawParameters);
  const fromFile = options.paramsFile === undefined ? {} : await readParamsFile(options.paramsFile);
  const client = await context.client();
  // The action's declared types decide how each value is converted, so fetch it first.
  const action = await client.get<ActionJson>(`/actions/${encodeURIComponent(actionRef)}`);
  const fromArgs = convertParameters(assignments, action.parameters);
  const parameters = options.paramsFile === undefined ? fromArgs : mergeParameters(fromFile, fromArgs, options.paramsFile);
  const body = { action_ref: actionRef, parameters, timeout_seconds: options.timeoutSeconds };
  const created = await client.post<ExecutionJson>('/executions', body);
  if (!options.wait) {
    await printDocument(context, created);
    return;
  }
  const finished = await waitForExecution(client, created);
  await reportFinished(context, finished);
}

const FIRST_POLL_MS = 5;
const MAX_POLL_MS = 200;
const POLL_GROWTH = 1.5;

/** Polls until the execution is terminal; short first delays because round-trip latency is benchmarked. */
export async function waitForExecution(client: ApiClient, execution: ExecutionJson): Promise<ExecutionJson> {
  let current = execution;
  let delay = FIRST_POLL_MS;
  while (!isTerminal(current.status)) {
    await sleep(delay);
    delay = Math.min(MAX_POLL_MS, delay * POLL_GROWTH);
    current = await client.get<ExecutionJson>(`/executions/${current.id}`);
  }
  return current;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Prints a finished execution: in table mode its output then `status: <status>`, with stderr
 * and the error on stderr when it failed; otherwise the whole execution. Throws
 * ERR_EXECUTION_UNSUCCESSFUL (exit 1) unless it completed.
 */
export async function reportFinished(context: CliContext, execution: ExecutionJson): Promise<void> {
  const isCompleted = execution.status === 'completed';
  if (context.mode === 'table') {
    await printResultOutput(execution);
    writeOut(`status: ${execution.status}`);
    if (!isCompleted) printFailure(execution);
  } else {
    await printDocument(context, execution);
  }
  if (!isCompleted) {
    throw new AppError('ERR_EXECUTION_UNSUCCESSFUL', `execution ${execution.id} (${execution.action_ref}) ended ${execution.status}`);
  }
}

/** The result as a user reads it: stdout, or the structured data as YAML when there is no stdout. */
export async function printResultOutput(execution: ExecutionJson): Promise<void> {
  const result = execution.result;
  if (!result) return;
  const stdout = resultString(execution, 'stdout');
  if (stdout) {
    writeOut(stdout);
  } else if (hasContent(result.data)) {
    writeOut(await toYaml(result.data));
  } else if (hasContent(result.output)) {
    writeOut(await toYaml(result.output)); // a workflow's rendered output_map
  }
}

/**
 * The API types an execution's result as a free object (runners fill it); these read the
 * well-known fields the CLI shows, ignoring any of the wrong type.
 */
export function resultString(execution: ExecutionJson, key: 'stdout' | 'stderr' | 'error'): string | undefined {
  const value = execution.result?.[key];
  return typeof value === 'string' ? value : undefined;
}

/** `{}`, `[]` and null carry nothing worth a line (e.g. core.noop). */
function hasContent(data: unknown): boolean {
  if (data === undefined || data === null) return false;
  if (typeof data === 'object') return Object.keys(data).length > 0;
  return true;
}

function printFailure(execution: ExecutionJson): void {
  const stderr = resultString(execution, 'stderr');
  const error = resultString(execution, 'error');
  if (stderr) writeErr(stderr);
  if (error) writeErr(`error: ${error}`);
}
