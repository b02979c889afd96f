import type { Command } from 'commander';
import { createContext, parsePositiveInteger } from '../context.js';
import { PARAMS_FILE_HELP, executeAction } from '../execute.js';

export function registerRunCommand(program: Command): void {
  program
    .command('run')
    .description('execute an action and wait for its result (exit 1 unless it completed)')
    .argument('<action>', 'action ref, e.g. core.echo')
    .argument('[params...]', 'parameters as key=value (typed by the action schema)')
    .option('--timeout <s>', 'timeout in seconds (overrides the action default)', parsePositiveInteger('--timeout'))
    .option('--params-file <file>', PARAMS_FILE_HELP)
    .option('--no-wait', 'print the new execution and return without waiting')
    .addHelpText(
      'after',
      [
        '',
        'Examples:',
        '  $ attune run core.echo message="hello world"',
        '  $ attune run core.http_request url=https://example.com -o json',
        '  $ attune run mypack.deploy --params-file deploy.yaml version=1.2',
        '  $ attune run mypack.login --params-file - < login.json',
      ].join('\n'),
    )
    .action(async (actionRef: string, params: string[], options: { wait: boolean; timeout?: number; paramsFile?: string }, command: Command) => {
      const context = createContext(command);
      await executeAction(context, actionRef, params, { wait: options.wait, timeoutSeconds: options.timeout, paramsFile: options.paramsFile });
    });
}
