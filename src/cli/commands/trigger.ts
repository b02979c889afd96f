import type { Command } from 'commander';
import type { TriggerJson } from '../../api-contract/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import type { Column } from '../output.js';
import { printDocument, printList } from '../print.js';

const TRIGGER_COLUMNS: readonly Column<TriggerJson>[] = [
  { header: 'ref', value: (trigger) => trigger.ref },
  { header: 'type', value: (trigger) => trigger.type || '-' },
  { header: 'parameters', value: (trigger) => Object.keys(trigger.parameters).join(', ') || '-', maxWidth: 30 },
  { header: 'description', value: (trigger) => trigger.description, maxWidth: 60 },
];

export function registerTriggerCommands(program: Command): void {
  const trigger = program.command('trigger').description('list and inspect triggers (the kinds of events rules can match)');

  trigger
    .command('list')
    .description('list triggers')
    .option('--pack <ref>', 'only the triggers of this pack')
    .option('--limit <n>', 'at most this many triggers', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many triggers', parsePositiveInteger('--offset', true))
    .addHelpText('after', '\nExample:\n  $ attune trigger list --pack core')
    .action(async (options: { pack?: string; limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      const page = await (await context.client()).list<TriggerJson>('/triggers', options);
      await printList(context, page, TRIGGER_COLUMNS);
    });

  trigger
    .command('show')
    .description("show one trigger: its parameters (a rule's trigger_params) and its payload fields (output)")
    .argument('<ref>', 'trigger ref, e.g. core.intervaltimer')
    .addHelpText('after', '\nExample:\n  $ attune trigger show core.webhook')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<TriggerJson>(`/triggers/${encodeURIComponent(ref)}`));
    });
}
