import { type Command, Option } from 'commander';
import type { RuleJson } from '../../api-contract/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { type Column, writeOut } from '../output.js';
import { printDocument, printList } from '../print.js';
import { readRuleFile } from '../rule-file.js';

const RULE_COLUMNS: readonly Column<RuleJson>[] = [
  { header: 'ref', value: (rule) => rule.ref },
  { header: 'enabled', value: (rule) => (rule.enabled ? 'yes' : 'no') },
  { header: 'trigger', value: (rule) => rule.trigger_ref },
  { header: 'action', value: (rule) => rule.action_ref },
  { header: 'origin', value: (rule) => rule.origin },
  { header: 'description', value: (rule) => rule.description, maxWidth: 50 },
];

interface ListOptions {
  readonly pack?: string;
  readonly trigger?: string;
  readonly action?: string;
  readonly enabled?: boolean;
  readonly disabled?: boolean;
  readonly limit?: number;
  readonly offset?: number;
}

function ruleRoute(ref: string, verb = ''): string {
  return `/rules/${encodeURIComponent(ref)}${verb}`;
}

const CREATE_HELP = `
The file has the keys of a pack's rules/*.yaml, with a full ref:

  ref: mypack.disk_alert          # <pack>.<name>; the pack must be registered
  description: Page when a disk is nearly full
  trigger_ref: core.webhook
  trigger_params:
    url: disk
  conditions: event.payload.body.used_percent > 90     # CEL; or a list that must all hold
  action_ref: core.echo
  action_params:
    message: "disk {{ event.payload.body.mount }} at {{ event.payload.body.used_percent }}%"
  enabled: true

A pack rule file with "name" instead of "ref" works with --pack.

Examples:
  $ attune rule create disk_alert.yaml
  $ attune rule create --pack mypack ./mypack/rules/disk_alert.yaml
  $ cat rule.yaml | attune rule create -`;

export function registerRuleCommands(program: Command): void {
  const rule = program.command('rule').description('manage rules (when an event of a trigger matches, run an action)');

  rule
    .command('list')
    .description('list rules')
    .option('--pack <ref>', 'only the rules of this pack')
    .option('--trigger <ref>', 'only rules on this trigger')
    .option('--action <ref>', 'only rules running this action')
    .addOption(new Option('--enabled', 'only enabled rules').conflicts('disabled'))
    .addOption(new Option('--disabled', 'only disabled rules'))
    .option('--limit <n>', 'at most this many rules', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many rules', parsePositiveInteger('--offset', true))
    .addHelpText('after', '\nExamples:\n  $ attune rule list --pack examples\n  $ attune rule list --trigger core.intervaltimer --enabled')
    .action(async (options: ListOptions, command: Command) => {
      const context = createContext(command);
      const enabled = options.enabled ? true : options.disabled ? false : undefined;
      const query = {
        pack: options.pack,
        trigger_ref: options.trigger,
        action_ref: options.action,
        enabled: enabled === undefined ? undefined : String(enabled),
        limit: options.limit,
        offset: options.offset,
      };
      const page = await (await context.client()).list<RuleJson>('/rules', query);
      await printList(context, page, RULE_COLUMNS);
    });

  rule
    .command('show')
    .description('show one rule with its trigger_params, conditions and action_params')
    .argument('<ref>', 'rule ref, e.g. examples.tick')
    .addHelpText('after', '\nExample:\n  $ attune rule show examples.tick -o yaml')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await printDocument(context, await (await context.client()).get<RuleJson>(ruleRoute(ref)));
    });

  rule
    .command('create')
    .description('create a rule from a YAML file ("-" reads stdin); the API checks its trigger, action and CEL')
    .argument('<file>', 'rule YAML file, or - for stdin')
    .option('--pack <ref>', 'pack of a file that has "name" but no "ref"')
    .addHelpText('after', CREATE_HELP)
    .action(async (file: string, options: { pack?: string }, command: Command) => {
      const context = createContext(command);
      const body = await readRuleFile(file, options);
      const created = await (await context.client()).post<RuleJson>('/rules', body);
      if (context.mode === 'table') writeOut(`created rule ${created.ref} (${created.enabled ? 'enabled' : 'disabled'})`);
      else await printDocument(context, created);
    });

  for (const [verb, description] of [
    ['enable', 'enable a rule (and start the sensor serving its trigger, if needed)'],
    ['disable', 'disable a rule (a pack reload keeps this choice)'],
  ] as const) {
    rule
      .command(verb)
      .description(description)
      .argument('<ref>', 'rule ref')
      .addHelpText('after', `\nExample:\n  $ attune rule ${verb} examples.tick`)
      .action(async (ref: string, _options: unknown, command: Command) => {
        const context = createContext(command);
        const changed = await (await context.client()).post<RuleJson>(ruleRoute(ref, `/${verb}`));
        if (context.mode === 'table') writeOut(`rule ${changed.ref}: ${changed.enabled ? 'enabled' : 'disabled'}`);
        else await printDocument(context, changed);
      });
  }

  rule
    .command('delete')
    .description('delete a rule (its events, enforcements and executions are kept)')
    .argument('<ref>', 'rule ref')
    .addHelpText('after', '\nExample:\n  $ attune rule delete mypack.disk_alert')
    .action(async (ref: string, _options: unknown, command: Command) => {
      const context = createContext(command);
      await (await context.client()).delete<unknown>(ruleRoute(ref));
      if (context.mode === 'table') writeOut(`deleted rule ${ref}`);
      else await printDocument(context, { ref, deleted: true });
    });
}
