import type { Command } from 'commander';
import { createContext } from '../context.js';

/** `attune export`: an offline admin tool on the database, like `attune db migrate`. */
export function registerTransferCommands(program: Command): void {
  program
    .command('export')
    .argument('<file>', 'where to write the export (made with mode 0600; must not exist), or - for stdout')
    .description('write the packs, rules, keys, identities, permission sets and history of a database to a file (run on the server, not through the API)')
    .option('--database-url <url>', 'the database to export (default: database.url of the config, or the SQLite file of the data dir)')
    .addHelpText(
      'after',
      '\nThe file is JSON lines: a header {"kind":"header","format":"attune-export","version":1,…}, one line per record\n' +
        '(packs with their registered paths, permission sets, identities with password hashes only, rules, keys still\n' +
        'sealed, then events, enforcements, executions and workflow states, oldest first), and an "end" line with the counts.\n' +
        'Stop attune first (the SQLite file is held by the running attune up). The file is as sensitive as the database.\n\n' +
        'Example:\n  $ attune export /tmp/attune.jsonl\n  $ attune export - --database-url postgres://attune:secret@db.example.com/attune | gzip > attune.jsonl.gz',
    )
    .action(async (file: string, flags: { databaseUrl?: string }, command: Command) => {
      const { options } = createContext(command);
      // Loaded only here, as for db migrate: the store's dependencies would slow every other command.
      const { runExport } = await import('../../adapters.js');
      const counts = await runExport({ home: options.home, configFile: options.config, target: file, ...(flags.databaseUrl === undefined ? {} : { databaseUrl: flags.databaseUrl }) });
      const summary = Object.entries(counts).map(([kind, count]) => `${count} ${kind}`).join(', ');
      process.stderr.write(`exported ${summary}${file === '-' ? '' : ` to ${file}`}\n`);
    });
}
