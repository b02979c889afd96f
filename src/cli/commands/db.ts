import type { Command } from 'commander';
import { createContext } from '../context.js';

export function registerDbCommands(program: Command): void {
  const db = program.command('db').description('the database of this data dir or of database.url (run on the server, not through the API)');
  db.command('migrate')
    .description('bring the database of database.url (an empty PostgreSQL database, or the SQLite file) to the current schema, then exit')
    .addHelpText(
      'after',
      '\nThe database is the one attune up would use: database.url from --config/<home>/attune.yaml or ATTUNE__DATABASE__URL.\n' +
        'attune up migrates at start too; run this to prepare a database before the first service starts.\n\n' +
        'Example:\n  $ ATTUNE__DATABASE__URL=postgres://attune:secret@db.example.com/attune attune db migrate',
    )
    .action(async (_options: unknown, command: Command) => {
      const { options } = createContext(command);
      // Loaded only here: the store's dependencies would slow every other command down.
      const { runMigrate } = await import('../../adapters.js');
      const database = await runMigrate({ home: options.home, configFile: options.config });
      process.stdout.write(`database ${database} is up to date\n`);
    });
}
