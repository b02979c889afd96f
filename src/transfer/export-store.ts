import type { Page, PageRequest, Store } from '../store/index.js';

/** The format of `attune export` (docs/deploy.md#moving-from-embedded-to-distributed). */
export const EXPORT_FORMAT = 'attune-export';
export const EXPORT_VERSION = 1;

/** What a line carries, in the order they are written (an import replays them in this order). */
export const RECORD_KINDS = ['pack', 'permission_set', 'identity', 'rule', 'key', 'event', 'enforcement', 'execution', 'workflow_state', 'api_token'] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export type ExportLine =
  | { readonly kind: 'header'; readonly format: typeof EXPORT_FORMAT; readonly version: number; readonly exported_at: string; readonly source: string }
  | { readonly kind: RecordKind; readonly data: unknown }
  | { readonly kind: 'end'; readonly counts: Readonly<Record<RecordKind, number>> };

const PAGE = 500;

/**
 * Every record of `store` worth carrying to another database, as export lines: a header, then
 * each kind in RECORD_KINDS order (history oldest first, so what a record refers to comes
 * before it), then an `end` line with the counts, so a cut-off file is known as one. Read
 * through the store port only. Keys stay sealed and identities keep only password hashes: the
 * file holds nothing in clear that the database did not, but it is as sensitive as the database.
 */
export async function* exportStore(store: Store, source: string, now = new Date()): AsyncGenerator<ExportLine> {
  yield { kind: 'header', format: EXPORT_FORMAT, version: EXPORT_VERSION, exported_at: now.toISOString(), source };
  const counts = Object.fromEntries(RECORD_KINDS.map((kind) => [kind, 0])) as Record<RecordKind, number>;
  for await (const [kind, data] of records(store)) {
    counts[kind]++;
    yield { kind, data };
  }
  yield { kind: 'end', counts };
}

async function* records(store: Store): AsyncGenerator<readonly [RecordKind, unknown]> {
  for (const pack of await store.packs.listAll()) yield ['pack', pack];
  for (const set of await store.permissionSets.listAll()) yield ['permission_set', set];
  for await (const identity of everyItem((page) => store.identities.list(page))) {
    const credentials = await store.identities.findCredentials(identity.login);
    yield ['identity', { ...identity, passwordHash: credentials?.passwordHash ?? null }];
  }
  for await (const rule of everyItem((page) => store.rules.list(page))) yield ['rule', rule];
  for await (const key of everyItem((page) => store.keys.list(page))) {
    const stored = await store.keys.get(key);
    if (stored) yield ['key', stored];
  }
  for await (const event of oldestFirst((page) => store.events.list(page))) yield ['event', event];
  for await (const enforcement of oldestFirst((page) => store.events.listEnforcements(page))) yield ['enforcement', enforcement];
  for await (const execution of oldestFirst((page) => store.executions.list(page))) {
    yield ['execution', execution];
    const workflow = await store.workflows.get(execution.id);
    if (workflow) yield ['workflow_state', workflow];
  }
  // Last: an execution token names its execution. Hashes are keyed by the data dir's key.
  for await (const token of everyItem((page) => store.apiTokens.listStored(page))) yield ['api_token', token];
}

/** Every item of a list, page by page, in the list's order (by ref or login). */
async function* everyItem<T>(list: (page: PageRequest) => Promise<Page<T>>): AsyncGenerator<T> {
  for (let offset = 0; ; offset += PAGE) {
    const { items, total } = await list({ limit: PAGE, offset });
    yield* items;
    if (items.length === 0 || offset + items.length >= total) return;
  }
}

/**
 * Every item of a list the store gives newest first, read last page first and
 * each page reversed: oldest first. The store is not written to meanwhile (an offline tool).
 */
async function* oldestFirst<T>(list: (page: PageRequest) => Promise<Page<T>>): AsyncGenerator<T> {
  const { total } = await list({ limit: 1, offset: 0 });
  for (let end = total; end > 0; end -= PAGE) {
    const offset = Math.max(0, end - PAGE);
    const { items } = await list({ limit: end - offset, offset });
    for (const item of [...items].reverse()) yield item;
  }
}
