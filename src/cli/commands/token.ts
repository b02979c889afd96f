import { type Command, Option } from 'commander';
import type { NewTokenJson, TokenJson } from '../../api-contract/index.js';
import { AppError } from '../../domain/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { type Column, formatTimestamp, writeErr, writeOut } from '../output.js';
import { printDocument, printList } from '../print.js';

const TOKEN_COLUMNS: readonly Column<TokenJson>[] = [
  { header: 'id', value: (token) => String(token.id) },
  { header: 'name', value: (token) => token.name, maxWidth: 30 },
  { header: 'login', value: (token) => token.login },
  { header: 'permission sets', value: (token) => token.permission_sets?.join(', ') ?? '(its identity’s)' },
  { header: 'expires', value: (token) => formatTimestamp(token.expires_at) },
  { header: 'revoked', value: (token) => formatTimestamp(token.revoked_at) },
  { header: 'last used', value: (token) => formatTimestamp(token.last_used_at) },
];

const UNITS = { s: 1, m: 60, h: 3600, d: 86_400 } as const;

/** `3600`, `90m`, `12h`, `30d` → seconds. */
export function parseDuration(text: string): number {
  const match = /^(\d{1,9})([smhd]?)$/.exec(text.trim());
  const seconds = match?.[1] === undefined ? Number.NaN : Number(match[1]) * UNITS[(match[2] || 's') as keyof typeof UNITS];
  if (!Number.isSafeInteger(seconds) || seconds < 1) throw new AppError('ERR_CLI_USAGE', `--expires-in "${text}": expected seconds or a number with s, m, h or d (e.g. 30d)`);
  return seconds;
}

export function registerTokenCommands(program: Command): void {
  const token = program.command('token').description('integration tokens for scripts and CI: shown once, stored only as a hash, revocable');

  token
    .command('create')
    .description('create an integration token and print it (on the last line) — it is shown only now')
    .argument('<name>', 'what it is for, e.g. "ci deploy"')
    .option('--permission-set <name>', 'limit it to this set (repeatable; a set you hold); default: all of yours, as they are at each request', (value: string, previous: string[] = []) => [...previous, value])
    .option('--expires-in <duration>', 'seconds, or e.g. 90m, 12h, 30d; default: never', parseDuration)
    .option('--login <login>', "make it for another identity, e.g. a service account (admins)")
    .addHelpText('after', '\nExamples:\n  $ attune token create "ci deploy" --permission-set executor --expires-in 90d\n  $ attune token create sensor-host --login sensors   # a service account')
    .action(async (name: string, options: { permissionSet?: string[]; expiresIn?: number; login?: string }, command: Command) => {
      const context = createContext(command);
      const body = {
        name,
        ...(options.permissionSet === undefined ? {} : { permission_sets: options.permissionSet }),
        ...(options.expiresIn === undefined ? {} : { expires_in: options.expiresIn }),
        ...(options.login === undefined ? {} : { login: options.login }),
      };
      const created = await (await context.client()).post<NewTokenJson>('/tokens', body);
      if (context.mode !== 'table') return printDocument(context, created);
      writeErr(`token ${created.id} "${created.name}" for ${created.login}, expires ${created.expires_at ?? 'never'}. It is shown only now:`);
      writeOut(created.token);
    });

  token
    .command('list')
    .description('list your integration tokens (every identity’s for an admin); never their values')
    .option('--login <login>', "another identity's tokens (admins)")
    .addOption(new Option('--kind <kind>', 'which tokens').choices(['integration', 'sensor', 'execution']).default('integration'))
    .option('--all', 'also revoked and expired tokens')
    .option('--limit <n>', 'at most this many', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many', parsePositiveInteger('--offset', true))
    .action(async (options: { login?: string; kind: string; all?: boolean; limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      const query = { login: options.login, kind: options.kind, include_inactive: options.all === true ? 'true' : undefined, limit: options.limit, offset: options.offset };
      await printList(context, await (await context.client()).list<TokenJson>('/tokens', query), TOKEN_COLUMNS);
    });

  token
    .command('revoke')
    .description('revoke a token: it stops working at once')
    .argument('<id>', 'the id shown by attune token list', parsePositiveInteger('<id>'))
    .action(async (id: number, _options: unknown, command: Command) => {
      await (await createContext(command).client()).delete(`/tokens/${id}`);
      writeOut(`revoked token ${id}`);
    });
}
