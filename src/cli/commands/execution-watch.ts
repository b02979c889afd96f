import type { ExecutionJson, StreamMessageJson } from '../../api-contract/index.js';
import { AppError, TERMINAL_STATUSES } from '../../domain/index.js';
import type { CliContext } from '../context.js';
import { reportFinished } from '../execute.js';
import { writeErr, writeOut } from '../output.js';

const isTerminalChange = (change: string) => (TERMINAL_STATUSES as readonly string[]).includes(change);

/** One line per change: time, id, action and the new status; JSON lines with --output json|yaml. */
function printChange(context: CliContext, message: StreamMessageJson): void {
  if (context.mode !== 'table') writeOut(JSON.stringify(message));
  else writeOut(`${message.at}  execution ${message.id}  ${String(message.summary.action_ref)}  ${message.change}`);
}

/** `attune execution list --watch`: after the list, a line per status change until interrupted. */
export async function watchExecutions(context: CliContext, filter: { readonly status?: string; readonly action?: string }): Promise<void> {
  const client = await context.client();
  const stream = await client.stream('?types=execution', (message) => {
    if (filter.action !== undefined && message.summary.action_ref !== filter.action) return;
    if (filter.status !== undefined && message.change !== filter.status) return;
    printChange(context, message);
  });
  writeErr('watching for changes (Ctrl-C to stop)…');
  await stream.ended;
}

/**
 * `attune execution show <id> --watch`: prints each status change of one execution, then the
 * finished execution as `attune run` does, exiting non-zero unless it completed.
 */
export async function watchExecution(context: CliContext, id: number): Promise<void> {
  const client = await context.client();
  let reachedEnd = () => {};
  const ended = new Promise<void>((resolve) => (reachedEnd = resolve));
  // Subscribed before the first read: a change between the two is seen on the stream.
  const stream = await client.stream(`?types=execution&id=${id}`, (message) => {
    printChange(context, message);
    if (isTerminalChange(message.change)) reachedEnd();
  });
  try {
    const current = await client.get<ExecutionJson>(`/executions/${id}`);
    if (!isTerminalChange(current.status)) {
      if (context.mode === 'table') writeOut(`execution ${id} (${current.action_ref}): ${current.status}`);
      await Promise.race([ended, stream.ended]);
    }
  } finally {
    stream.close();
  }
  const finished = await client.get<ExecutionJson>(`/executions/${id}`);
  if (!isTerminalChange(finished.status)) throw new AppError('ERR_API_UNREACHABLE', `the live stream ended before execution ${id} finished (${finished.status})`);
  await reportFinished(context, finished);
}
