import type { Command } from 'commander';
import type { PolicyJson } from '../../api-contract/index.js';
import { createContext } from '../context.js';
import { type Column, formatScalar } from '../output.js';
import { printList } from '../print.js';

const POLICY_COLUMNS: readonly Column<PolicyJson>[] = [
  { header: 'ref', value: (policy) => policy.ref },
  { header: 'kind', value: (policy) => policy.kind },
  { header: 'action', value: (policy) => policy.action },
  { header: 'max', value: (policy) => String(policy.max) },
  { header: 'window', value: (policy) => (policy.window === null ? '-' : `${policy.window}s`) },
  { header: 'per', value: (policy) => (policy.per.length === 0 ? '-' : policy.per.join(', ')) },
  { header: 'on exceeded', value: (policy) => formatScalar(policy.on_exceeded) },
];

/** `attune policy list`: the concurrency and rate policies packs installed (docs/policies.md). */
export function registerPolicyCommands(program: Command): void {
  const policy = program.command('policy').description('list the policies that limit actions');
  policy
    .command('list')
    .description('list installed policies (concurrency, rate) by ref')
    .option('--action <ref>', 'only the policies of this action')
    .addHelpText('after', '\nPolicies come from packs (policies/*.yaml); see docs/policies.md.\n\nExamples:\n  $ attune policy list\n  $ attune policy list --action deploy.run -o yaml')
    .action(async (options: { action?: string }, command: Command) => {
      const context = createContext(command);
      await printList(context, await (await context.client()).list<PolicyJson>('/policies', { action: options.action }), POLICY_COLUMNS);
    });
}
