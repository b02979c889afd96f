import type { Command } from 'commander';
import { createContext } from '../context.js';

export function registerUpCommand(program: Command): void {
  program
    .command('up')
    .description('start every Attune service (API, executor, worker, sensors) in one process')
    .addHelpText('after', '\nExample:\n  $ attune up --home ./data')
    .action(async (_options: unknown, command: Command) => {
      const { options } = createContext(command);
      // Loaded only here: the server's dependencies would slow every other command down.
      const { runUp } = await import('../../main.js');
      await runUp({ home: options.home, configFile: options.config });
    });
}
