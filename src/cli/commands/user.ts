import type { Command } from 'commander';
import type { IdentityJson, MeJson } from '../../api-contract/index.js';
import { AppError } from '../../domain/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { type Column, formatTimestamp, writeOut } from '../output.js';
import { printDocument, printList } from '../print.js';
import { readStdinLines, prompt, readPassword } from '../prompt.js';

const USER_COLUMNS: readonly Column<IdentityJson>[] = [
  { header: 'login', value: (user) => user.login },
  { header: 'kind', value: (user) => user.kind },
  { header: 'permission sets', value: (user) => user.permission_sets.join(', ') || '-' },
  { header: 'disabled', value: (user) => (user.disabled ? 'yes' : 'no') },
  { header: 'created', value: (user) => formatTimestamp(user.created) },
];

const userRoute = (login: string, rest = '') => `/identities/${encodeURIComponent(login)}${rest}`;

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Prints one identity, or a one-line confirmation in table mode. */
async function report(command: Command, user: IdentityJson, message: string): Promise<void> {
  const context = createContext(command);
  if (context.mode === 'table') writeOut(message);
  else await printDocument(context, user);
}

export function registerUserCommands(program: Command): void {
  const user = program.command('user').description('manage identities: users (who log in) and service accounts (who use tokens); admins only');

  user
    .command('create')
    .description('create a user (asks for a password) or, with --service, a service account')
    .argument('<login>', 'lower case, starting with a letter')
    .option('--service', 'a service account: no password, it uses tokens (attune token create --login <login>)')
    .option('--display-name <name>', 'a name for people')
    .option('--permission-set <name>', 'grant this set (repeatable): admin, editor, executor, viewer, key_creator, sensor or a custom one', collect)
    .option('--password-stdin', 'read the password from the first line of stdin')
    .addHelpText('after', '\nExamples:\n  $ attune user create alice --permission-set editor\n  $ attune user create ci --service --permission-set executor')
    .action(async (login: string, options: { service?: boolean; displayName?: string; permissionSet?: string[]; passwordStdin?: boolean }, command: Command) => {
      const password = options.service === true ? undefined : await readPassword(options.passwordStdin, `Password for ${login}: `);
      const body = {
        login,
        kind: options.service === true ? 'service' : 'user',
        ...(password === undefined ? {} : { password }),
        ...(options.displayName === undefined ? {} : { display_name: options.displayName }),
        ...(options.permissionSet === undefined ? {} : { permission_sets: options.permissionSet }),
      };
      const created = await (await createContext(command).client()).post<IdentityJson>('/identities', body);
      await report(command, created, `created ${created.kind} ${created.login} (${created.permission_sets.join(', ') || 'no permission sets'})`);
    });

  user
    .command('list')
    .description('list identities')
    .option('--limit <n>', 'at most this many', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many', parsePositiveInteger('--offset', true))
    .action(async (options: { limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      await printList(context, await (await context.client()).list<IdentityJson>('/identities', { limit: options.limit, offset: options.offset }), USER_COLUMNS);
    });

  user
    .command('show')
    .description('show one identity')
    .argument('<login>')
    .action(async (login: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<IdentityJson>(userRoute(login)));
    });

  user
    .command('delete')
    .description('delete an identity and its tokens (never the last admin)')
    .argument('<login>')
    .action(async (login: string, _options: unknown, command: Command) => {
      await (await createContext(command).client()).delete(userRoute(login));
      writeOut(`deleted ${login}`);
    });

  for (const [verb, description] of [
    ['grant', 'give an identity a permission set'],
    ['revoke', 'take a permission set from an identity (never admin from the last admin)'],
  ] as const) {
    user
      .command(verb)
      .description(description)
      .argument('<login>')
      .argument('<permission-set>')
      .addHelpText('after', `\nExample:\n  $ attune user ${verb} alice editor`)
      .action(async (login: string, set: string, _options: unknown, command: Command) => {
        const client = await createContext(command).client();
        const changed = verb === 'grant' ? await client.post<IdentityJson>(userRoute(login, '/permission-sets'), { name: set }) : await client.delete<IdentityJson>(userRoute(login, `/permission-sets/${encodeURIComponent(set)}`));
        if (changed) await report(command, changed, `${login}: ${changed.permission_sets.join(', ') || 'no permission sets'}`);
      });
  }

  for (const [verb, disabled] of [['disable', true], ['enable', false]] as const) {
    user
      .command(verb)
      .description(disabled ? 'stop an identity from logging in and using its tokens, at once' : 'let a disabled identity in again')
      .argument('<login>')
      .action(async (login: string, _options: unknown, command: Command) => {
        const changed = await (await createContext(command).client()).patch<IdentityJson>(userRoute(login), { disabled });
        await report(command, changed, `${login}: ${changed.disabled ? 'disabled' : 'enabled'}`);
      });
  }

  user
    .command('passwd')
    .description("change your password (asks for the current one), or, as an admin, a user's; the user's other logins end")
    .argument('[login]', "the user whose password an admin sets")
    .option('--password-stdin', 'read from stdin: the new password, or for your own, the current one then the new one, one per line')
    .addHelpText('after', '\nExamples:\n  $ attune user passwd\n  $ printf "%s\\n" "$NEW" | attune user passwd alice --password-stdin')
    .action(async (login: string | undefined, options: { passwordStdin?: boolean }, command: Command) => {
      const client = await createContext(command).client();
      if (login !== undefined) {
        // An admin sets it, their own included (the local CLI token of a lost admin password).
        const password = await readPassword(options.passwordStdin, `New password for ${login}: `);
        await client.patch<IdentityJson>(userRoute(login), { password });
        writeOut(`password of ${login} changed`);
        return;
      }
      const me = await client.auth<MeJson>('GET', '/me');
      const [oldPassword, newPassword] = options.passwordStdin === true ? await readStdinLines() : [await prompt('Current password: ', { hidden: true }), await prompt('New password: ', { hidden: true })];
      if (!oldPassword || !newPassword) throw new AppError('ERR_CLI_USAGE', 'both the current and the new password are needed');
      await client.auth('POST', '/password', { old_password: oldPassword, new_password: newPassword });
      writeOut(`password of ${me.user.login} changed; log in again on your other machines`);
    });
}
