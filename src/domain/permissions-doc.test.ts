import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BUILTIN_PERMISSION_SETS, BUILTIN_SETS, type Grant, PERMISSION_ACTIONS, RESOURCES } from './permissions.js';

const DOC = fileURLToPath(new URL('../../docs/auth.md', import.meta.url));

/** A set's grants as docs/auth.md shows them: one `resource:action,…` per resource, in the catalogue's order. */
function formatGrants(grants: readonly Grant[]): string {
  const byResource = new Map<string, Set<string>>();
  for (const grant of grants) for (const action of grant.actions) byResource.set(grant.resource, (byResource.get(grant.resource) ?? new Set()).add(action));
  const order = ['*', ...RESOURCES] as string[];
  const actionOrder = ['*', ...PERMISSION_ACTIONS] as string[];
  return [...byResource.entries()]
    .sort(([a], [b]) => order.indexOf(a) - order.indexOf(b))
    .map(([resource, actions]) => `\`${resource}:${[...actions].sort((a, b) => actionOrder.indexOf(a) - actionOrder.indexOf(b)).join(',')}\``)
    .join(' ');
}

describe('docs/auth.md', () => {
  it('shows each built-in permission set with exactly its grants', () => {
    const rows = new Map<string, string>();
    for (const line of readFileSync(DOC, 'utf8').split('\n')) {
      const cells = line.split('|').map((cell) => cell.trim());
      const name = /^`([a-z_]+)`$/.exec(cells[1] ?? '')?.[1];
      if (name !== undefined && cells.length >= 5) rows.set(name, cells[3] ?? '');
    }
    const expected = new Map(BUILTIN_PERMISSION_SETS.map((set) => [set, formatGrants(BUILTIN_SETS[set].grants)]));
    expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(expected));
  });
});
