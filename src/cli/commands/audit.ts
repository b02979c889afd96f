import type { Command } from 'commander';
import type { AuditEntryJson } from '../../api-contract/index.js';
import { createContext, parsePositiveInteger } from '../context.js';
import { type Column, formatScalar, formatTimestamp } from '../output.js';
import { printList } from '../print.js';

const AUDIT_COLUMNS: readonly Column<AuditEntryJson>[] = [
  { header: 'at', value: (entry) => formatTimestamp(entry.at) },
  { header: 'actor', value: (entry) => entry.actor ?? '-' },
  { header: 'action', value: (entry) => entry.action },
  { header: 'target', value: (entry) => entry.target, maxWidth: 40 },
  { header: 'source', value: (entry) => entry.source },
  { header: 'outcome', value: (entry) => entry.outcome },
  { header: 'details', value: (entry) => (Object.keys(entry.details).length === 0 ? '' : formatScalar(entry.details)), maxWidth: 60 },
];

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description('the audit log: logins, tokens, identities and permissions, packs and rules (admins only)');

  audit
    .command('list')
    .description('list audit entries, newest first')
    .option('--actor <login>', 'only what this login did')
    .option('--action <action>', 'one action (auth.login_failed), or a prefix ending in a dot (rule.)')
    .option('--since <time>', 'only entries at or after this ISO 8601 time, e.g. 2025-01-30T00:00:00Z')
    .option('--limit <n>', 'at most this many', parsePositiveInteger('--limit'))
    .option('--offset <n>', 'skip this many', parsePositiveInteger('--offset', true))
    .addHelpText('after', '\nExamples:\n  $ attune audit list --action auth.login_failed\n  $ attune audit list --actor alice --action rule. -o json')
    .action(async (options: { actor?: string; action?: string; since?: string; limit?: number; offset?: number }, command: Command) => {
      const context = createContext(command);
      await printList(context, await (await context.client()).list<AuditEntryJson>('/audit', { ...options }), AUDIT_COLUMNS);
    });
}
