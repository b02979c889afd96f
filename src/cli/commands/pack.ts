import path from 'node:path';
import type { Command } from 'commander';
import type { PackJson } from '../../api-contract/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { type Column, writeOut } from '../output.js';
import { printDocument, printList } from '../print.js';

const PACK_COLUMNS: readonly Column<PackJson>[] = [
  { header: 'ref', value: (pack) => pack.ref },
  { header: 'version', value: (pack) => pack.version },
  { header: 'label', value: (pack) => pack.label, maxWidth: 40 },
  { header: 'description', value: (pack) => pack.description, maxWidth: 60 },
];

export function registerPackCommands(program: Command): void {
  const pack = program.command('pack').description('manage packs (bundles of actions, triggers, sensors and rules)');

  pack
    .command('list')
    .description('list registered packs')
    .option('--limit <n>', 'at most this many packs', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many packs', parsePositiveInteger('--offset', true))
    .action(async (options: { limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      const page = await (await context.client()).list<PackJson>('/packs', options);
      await printList(context, page, PACK_COLUMNS);
    });

  pack
    .command('show')
    .description('show one pack')
    .argument('<ref>', 'pack ref, e.g. core')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<PackJson>(`/packs/${encodeURIComponent(ref)}`));
    });

  pack
    .command('register')
    .description('register (or re-register) the pack in a directory')
    .argument('<path>', 'pack directory containing pack.yaml')
    .addHelpText('after', '\nExample:\n  $ attune pack register ./packs/examples')
    .action(async (dir: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      // The server may run elsewhere in the filesystem tree: always send an absolute path.
      const registered = await (await context.client()).post<PackJson>('/packs/register', { path: path.resolve(dir) });
      if (context.mode === 'table') writeOut(`registered pack ${registered.ref} ${registered.version} from ${registered.path}`);
      else await printDocument(context, registered);
    });

  pack
    .command('remove')
    .description('unregister a pack and its components')
    .argument('<ref>', 'pack ref')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      const removed = await (await context.client()).delete<unknown>(`/packs/${encodeURIComponent(ref)}`);
      if (context.mode === 'table') writeOut(`removed pack ${ref}`);
      else await printDocument(context, removed ?? { ref, removed: true });
    });
}
