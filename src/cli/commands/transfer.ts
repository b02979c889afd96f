import type { Command } from 'commander';
import { createContext } from '../context.js';

/** `attune export` and `attune import`: offline admin tools on the database, like `attune db migrate`. */
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
        'sealed, then events, enforcements, executions and workflow states, oldest first, then API tokens as keyed hashes),\n' +
        'and an "end" line with the counts.\n' +
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

  program
    .command('import')
    .argument('<file>', 'an export written by attune export, or - for stdin')
    .description('write an export into an empty database, keeping ids and timestamps (run on the server, before any service starts on it)')
    .option('--database-url <url>', 'the database to import into (default: database.url of the config, or the SQLite file of the data dir)')
    .addHelpText(
      'after',
      '\nThe database must be empty: prepared by attune db migrate (import also migrates it) and never started on;\n' +
        'otherwise ERR_IMPORT_NOT_EMPTY. The file is checked whole: a missing or newer header, a bad line, or an "end"\n' +
        'line whose counts differ (a cut-off file) give ERR_IMPORT_INVALID. It is one transaction: a refused import writes\n' +
        'nothing. Ids and timestamps are kept, so executions still name their rules and events.\n\n' +
        'Keys are imported still sealed: the destination must use the same secret key as the source, so copy\n' +
        '<data dir>/secrets/parameters.key to the destination data dir (each host of it) before starting attune.\n' +
        'Logins keep their passwords, and API tokens (stored as hashes keyed by parameters.key) keep working.\n' +
        'Packs come back with their recorded paths and are registered from those paths at the next start: the pack\n' +
        'directories must exist at the same paths on the destination.\n\n' +
        'Example:\n  $ attune db migrate --home /srv/attune        # with database.url set to the new PostgreSQL database\n' +
        '  $ attune import /tmp/attune.jsonl --home /srv/attune',
    )
    .action(async (file: string, flags: { databaseUrl?: string }, command: Command) => {
      const { options } = createContext(command);
      const { runImport } = await import('../../adapters.js');
      const { counts, database } = await runImport({ home: options.home, configFile: options.config, source: file, ...(flags.databaseUrl === undefined ? {} : { databaseUrl: flags.databaseUrl }) });
      const summary = Object.entries(counts).map(([kind, count]) => `${count} ${kind}`).join(', ');
      process.stderr.write(`imported ${summary} into ${database}\n`);
    });
}
