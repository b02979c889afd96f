import { type Command, Option } from 'commander';
import type { KeyJson } from '../../api-contract/index.js';
import { AppError } from '../../domain/index.js';
import type { Query } from '../api-client.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { type Column, writeOut } from '../output.js';
import { printDocument, printList } from '../print.js';
import { readAllStdin } from '../rule-file.js';

const KEY_COLUMNS: readonly Column<KeyJson>[] = [
  { header: 'name', value: (key) => key.name },
  { header: 'scope', value: (key) => key.scope },
  { header: 'owner', value: (key) => key.owner },
  { header: 'secret', value: (key) => (key.secret ? 'yes' : 'no') },
  { header: 'updated', value: (key) => key.updated },
];

const SCOPES = ['system', 'pack', 'user'] as const;

interface ScopeOptions {
  readonly scope?: string;
  readonly owner?: string;
}

function scopeOptions(command: Command): Command {
  return command
    .addOption(new Option('--scope <scope>', 'system (default), pack or user').choices(SCOPES))
    .option('--owner <owner>', 'the pack ref of a pack key; the login of a user key (default: yours)');
}

function scopeQuery(options: ScopeOptions): Query {
  return { scope: options.scope, owner: options.owner };
}

const keyRoute = (name: string) => `/keys/${encodeURIComponent(name)}`;

/** The value from stdin, less the one newline `echo` or a heredoc adds. */
async function readValue(): Promise<string> {
  const text = await readAllStdin();
  return text.endsWith('\r\n') ? text.slice(0, -2) : text.endsWith('\n') ? text.slice(0, -1) : text;
}

const SET_HELP = `
A secret value is read from stdin (--value-stdin), so it never appears in the process list or
the shell history; --value is only for keys made with --no-secret.

Examples:
  $ printf %s "$DB_PASSWORD" | attune key set db_password --value-stdin
  $ attune key set region --value eu-west-1 --no-secret
  $ attune key set github_hook --value-stdin --scope pack --owner mypack < secret.txt
  $ attune key set my_token --value-stdin --scope user < token.txt`;

export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('manage keys: named values (secret by default) for rules (keystore.<name>) and webhooks');

  scopeOptions(key.command('set').description('create or replace a key').argument('<name>', 'key name: lower-case letters, digits, _ . -'))
    .option('--value-stdin', 'read the value from stdin (one trailing newline is removed)')
    .option('--value <text>', 'the value itself: only with --no-secret, since arguments are visible to every user (ps)')
    .option('--no-secret', 'a plain value that anyone who may read keys sees')
    .addHelpText('after', SET_HELP)
    .action(async (name: string, options: ScopeOptions & { valueStdin?: boolean; value?: string; secret: boolean }, command: Command) => {
      if (options.value !== undefined && options.valueStdin) throw new AppError('ERR_CLI_USAGE', 'give the value with --value or --value-stdin, not both');
      if (options.value !== undefined && options.secret) throw new AppError('ERR_CLI_USAGE', 'a secret value goes through stdin (--value-stdin): --value is only for keys set with --no-secret');
      if (options.value === undefined && !options.valueStdin) throw new AppError('ERR_CLI_USAGE', 'give the value with --value-stdin (or --value for a --no-secret key)');
      const value = options.value ?? (await readValue());
      const context = createContext(command);
      await printDocument(context, await (await context.client()).put<KeyJson>(keyRoute(name), { value, secret: options.secret }, scopeQuery(options)));
    });

  scopeOptions(key.command('get').description("show a key; a secret key's value only with --decrypt").argument('<name>', 'key name'))
    .option('--decrypt', 'show a secret value in clear (needs keys:decrypt, or owning the user key; audited)')
    .addHelpText('after', '\nExamples:\n  $ attune key get region\n  $ attune key get db_password --decrypt -o json')
    .action(async (name: string, options: ScopeOptions & { decrypt?: boolean }, command: Command) => {
      const context = createContext(command);
      const query = { ...scopeQuery(options), decrypt: options.decrypt ? 'true' : undefined };
      await printDocument(context, await (await context.client()).get<KeyJson>(keyRoute(name), query));
    });

  scopeOptions(key.command('list').description('list keys (names and flags, never values): system, pack, and your own user keys'))
    .option('--limit <n>', 'at most this many keys', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many keys', parsePositiveInteger('--offset', true))
    .addHelpText('after', '\nExamples:\n  $ attune key list\n  $ attune key list --scope pack --owner mypack')
    .action(async (options: ScopeOptions & { limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      const page = await (await context.client()).list<KeyJson>('/keys', { ...scopeQuery(options), limit: options.limit, offset: options.offset });
      await printList(context, page, KEY_COLUMNS);
    });

  scopeOptions(key.command('delete').description('delete a key').argument('<name>', 'key name'))
    .addHelpText('after', '\nExample:\n  $ attune key delete db_password')
    .action(async (name: string, options: ScopeOptions, command: Command) => {
      const context = createContext(command);
      await (await context.client()).delete(keyRoute(name), scopeQuery(options));
      if (context.mode === 'table') writeOut(`deleted key ${name}`);
      else await printDocument(context, { name, deleted: true });
    });
}
