import type { Command } from 'commander';
import type { EnforcementJson, EventJson } from '../../api-contract/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { type Column, formatScalar, formatTimestamp } from '../output.js';
import { printDocument, printList } from '../print.js';

const EVENT_COLUMNS: readonly Column<EventJson>[] = [
  { header: 'id', value: (event) => String(event.id) },
  { header: 'trigger', value: (event) => event.trigger_ref },
  { header: 'rule', value: (event) => formatScalar(event.rule_ref) },
  { header: 'source', value: (event) => event.source },
  { header: 'created', value: (event) => formatTimestamp(event.created) },
  { header: 'payload', value: (event) => formatScalar(event.payload), maxWidth: 60 },
];

const ENFORCEMENT_COLUMNS: readonly Column<EnforcementJson>[] = [
  { header: 'id', value: (enforcement) => String(enforcement.id) },
  { header: 'rule', value: (enforcement) => enforcement.rule_ref },
  { header: 'event', value: (enforcement) => String(enforcement.event_id) },
  { header: 'status', value: (enforcement) => enforcement.status },
  { header: 'execution', value: (enforcement) => formatScalar(enforcement.execution_id) },
  { header: 'created', value: (enforcement) => formatTimestamp(enforcement.created) },
  { header: 'failure', value: (enforcement) => formatScalar(enforcement.failure), maxWidth: 70 },
];

const eventId = parsePositiveInteger('event id');

export function registerEventCommands(program: Command): void {
  const event = program.command('event').description('inspect events (what sensors and webhooks emitted)');

  event
    .command('list')
    .description('list events, newest first')
    .option('--trigger <ref>', 'only events of this trigger')
    .option('--rule <ref>', 'only events that targeted this rule (timers and webhooks target one rule)')
    .option('--limit <n>', 'at most this many events', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many events', parsePositiveInteger('--offset', true))
    .addHelpText('after', '\nExamples:\n  $ attune event list --limit 10\n  $ attune event list --trigger core.webhook -o json')
    .action(async (options: { trigger?: string; rule?: string; limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      const query = { trigger_ref: options.trigger, rule_ref: options.rule, limit: options.limit, offset: options.offset };
      const page = await (await context.client()).list<EventJson>('/events', query);
      await printList(context, page, EVENT_COLUMNS);
    });

  event
    .command('show')
    .description('show one event with its payload')
    .argument('<id>', 'event id')
    .addHelpText('after', '\nExample:\n  $ attune event show 42')
    .action(async (id: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<EventJson>(`/events/${eventId(id)}`));
    });

  const enforcement = program
    .command('enforcement')
    .description('inspect enforcements (one per rule and matching event: the execution it started, or why it failed)');

  enforcement
    .command('list')
    .description('list enforcements, newest first')
    .option('--rule <ref>', 'only enforcements of this rule')
    .option('--event <id>', 'only enforcements of this event', parsePositiveInteger('--event'))
    .option('--limit <n>', 'at most this many enforcements', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many enforcements', parsePositiveInteger('--offset', true))
    .addHelpText('after', '\nExamples:\n  $ attune enforcement list --rule examples.tick\n  $ attune enforcement list --event 42')
    .action(async (options: { rule?: string; event?: number; limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      const query = { rule_ref: options.rule, event: options.event, limit: options.limit, offset: options.offset };
      const page = await (await context.client()).list<EnforcementJson>('/enforcements', query);
      await printList(context, page, ENFORCEMENT_COLUMNS);
    });
}
