import type { Command } from 'commander';
import type { PermissionSetJson } from '../../api-contract/index.js';
import { AppError } from '../../domain/index.js';
import { createContext } from '../context.js';
import { type Column, writeOut } from '../output.js';
import { printDocument, printList } from '../print.js';

const SET_COLUMNS: readonly Column<PermissionSetJson>[] = [
  { header: 'name', value: (set) => set.name },
  { header: 'builtin', value: (set) => (set.builtin ? 'yes' : 'no') },
  { header: 'grants', value: (set) => set.grants.map((grant) => `${grant.resource}:${grant.actions.join(',')}`).join(' '), maxWidth: 70 },
  { header: 'description', value: (set) => set.description, maxWidth: 50 },
];

/** `rules:read,update` → `{resource: 'rules', actions: ['read', 'update']}`; the API checks the names. */
export function parseGrant(text: string): { resource: string; actions: string[] } {
  const match = /^([a-z_*]+):([a-z*]+(?:,[a-z*]+)*)$/.exec(text.trim());
  if (!match?.[1] || !match[2]) throw new AppError('ERR_CLI_USAGE', `--grant "${text}": expected <resource>:<action>[,<action>…], e.g. rules:read,update`);
  return { resource: match[1], actions: match[2].split(',') };
}

export function registerPermissionSetCommands(program: Command): void {
  const sets = program.command('permission-set').description('list the permission sets (what identities may do) and manage custom ones; admins only');

  sets
    .command('list')
    .description('list permission sets, built-in and custom')
    .action(async (_options: unknown, command: Command) => {
      const context = createContext(command);
      await printList(context, await (await context.client()).list<PermissionSetJson>('/permission-sets'), SET_COLUMNS);
    });

  sets
    .command('show')
    .description('show a permission set and its grants')
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<PermissionSetJson>(`/permission-sets/${encodeURIComponent(name)}`));
    });

  sets
    .command('create')
    .description('create a custom permission set from grants')
    .argument('<name>', 'lower case: letters, digits, _ and -')
    .requiredOption('--grant <resource:actions>', 'a grant (repeatable), e.g. rules:read,update or executions:*', (value: string, previous: string[] = []) => [...previous, value])
    .option('--description <text>', 'what the set is for')
    .addHelpText('after', '\nResources: packs actions executions rules triggers sensors events enforcements keys identities\npermission_sets tokens audit workers inquiries, or *. Actions: read create update delete execute\ncancel decrypt respond, or *.\n\nExample:\n  $ attune permission-set create rule_operator --grant rules:read,update --grant executions:read')
    .action(async (name: string, options: { grant: string[]; description?: string }, command: Command) => {
      const context = createContext(command);
      const body = { name, grants: options.grant.map(parseGrant), ...(options.description === undefined ? {} : { description: options.description }) };
      const created = await (await context.client()).post<PermissionSetJson>('/permission-sets', body);
      if (context.mode === 'table') writeOut(`created permission set ${created.name}`);
      else await printDocument(context, created);
    });

  sets
    .command('delete')
    .description('delete a custom permission set; identities holding it lose it at once')
    .argument('<name>')
    .action(async (name: string, _options: unknown, command: Command) => {
      await (await createContext(command).client()).delete(`/permission-sets/${encodeURIComponent(name)}`);
      writeOut(`deleted permission set ${name}`);
    });
}
