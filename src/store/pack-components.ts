import type { Kysely } from 'kysely';
import type { PackId } from '../domain/index.js';
import { nowIso } from './rows.js';
import type { Database } from './schema.js';

type ComponentTable = 'actions' | 'triggers' | 'sensors' | 'rules' | 'policies';

/** The columns every pack component row has, besides its own. */
export interface ComponentRow {
  readonly ref: string;
  readonly [column: string]: unknown;
}

/**
 * Makes a pack's components of one kind exactly `rows`: rows no longer in the pack are deleted,
 * changed ones updated in place (keeping their ids), new ones inserted, and unchanged ones left
 * alone — so `updated` says when a component last changed (an interval rule's timer counts from
 * it) and a start that re-registers every pack writes nothing it need not. `protect` keeps rows
 * that belong to the pack but not to its files (rules created through the API).
 * A rule's `enabled` is the operator's choice once the rule exists, so a reload keeps it.
 */
export async function replacePackComponents(
  db: Kysely<Database>,
  table: ComponentTable,
  pack: PackId,
  rows: readonly ComponentRow[],
  options: {
    /** Rows with this column value are never deleted by a re-registration. */
    readonly protect?: { readonly column: 'origin'; readonly value: string };
    /** Columns written when a row is first inserted and left alone on update (operator choices). */
    readonly insertOnly?: readonly string[];
  } = {},
): Promise<void> {
  // One code path for four tables: the rows' shape is checked by each repository's mapper.
  const loose = db as unknown as Kysely<Record<ComponentTable, Record<string, unknown>>>;
  const now = nowIso();
  const keep = rows.map((row) => row.ref);
  let stale = loose.deleteFrom(table).where('pack_id', '=', pack);
  if (keep.length > 0) stale = stale.where('ref', 'not in', keep);
  if (options.protect) stale = stale.where(options.protect.column, '!=', options.protect.value);
  await stale.execute();
  const stored = await loose.selectFrom(table).selectAll().where('pack_id', '=', pack).execute();
  const storedByRef = new Map(stored.map((row) => [row.ref, row]));
  for (const row of rows) {
    const { ref, ...columns } = row;
    const changed = Object.entries(columns).filter(([key]) => !options.insertOnly?.includes(key));
    const current = storedByRef.get(ref);
    if (current && changed.every(([key, value]) => current[key] === value)) continue;
    const values = { ...columns, pack_id: pack, updated: now };
    const updates = { ...Object.fromEntries(changed), pack_id: pack, updated: now };
    await loose
      .insertInto(table)
      .values({ ref, created: now, ...values })
      .onConflict((oc) => oc.column('ref').doUpdateSet(updates))
      .execute();
  }
}
