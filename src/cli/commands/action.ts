import { type Command, Option } from 'commander';
import type { ActionJson } from '../../api-contract/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { PARAMS_FILE_HELP, executeAction } from '../execute.js';
import type { Column } from '../output.js';
import { printDocument, printList } from '../print.js';

const ACTION_COLUMNS: readonly Column<ActionJson>[] = [
  { header: 'ref', value: (action) => action.ref },
  { header: 'runner', value: (action) => action.runner_type },
  { header: 'description', value: (action) => action.description, maxWidth: 70 },
];

function collect(value: string, previous: readonly string[]): string[] {
  return [...previous, value];
}

export function registerActionCommands(program: Command): void {
  const action = program.command('action').description('list, inspect and execute actions');

  action
    .command('list')
    .description('list actions')
    .option('--pack <ref>', 'only the actions of this pack')
    .option('--limit <n>', 'at most this many actions', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many actions', parsePositiveInteger('--offset', true))
    .action(async (options: { pack?: string; limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      const page = await (await context.client()).list<ActionJson>('/actions', options);
      await printList(context, page, ACTION_COLUMNS);
    });

  action
    .command('show')
    .description('show one action, including its parameters')
    .argument('<ref>', 'action ref, e.g. core.echo')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<ActionJson>(`/actions/${encodeURIComponent(ref)}`));
    });

  action
    .command('execute')
    .description('execute an action now (prints the execution; --wait follows it to the end)')
    .argument('<ref>', 'action ref')
    .addOption(new Option('-p, --param <key=value>', 'a parameter; repeat for each other parameter').argParser(collect).default([]))
    .option('--wait', 'wait for the execution to finish and print its result', false)
    .option('--timeout <s>', 'timeout in seconds (overrides the action default)', parsePositiveInteger('--timeout'))
    .option('--params-file <file>', PARAMS_FILE_HELP)
    .addHelpText('after', '\nExamples:\n  $ attune action execute core.echo -p message=hello --wait\n  $ attune action execute mypack.login --params-file - --wait < params.json')
    .action(async (ref: string, options: { param: string[]; wait: boolean; timeout?: number; paramsFile?: string }, command: Command) => {
      const context = createContext(command);
      await executeAction(context, ref, options.param, { wait: options.wait, timeoutSeconds: options.timeout, paramsFile: options.paramsFile });
    });
}
