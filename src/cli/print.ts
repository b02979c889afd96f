import type { ListPage } from '../api-contract/index.js';
import type { CliContext } from './context.js';
import { type Column, renderDocument, renderTable, writeOut } from './output.js';

/** A list: a table (plus a paging hint when more exist) or the data array as JSON/YAML. */
export async function printList<T>(context: CliContext, page: ListPage<T>, columns: readonly Column<T>[]): Promise<void> {
  if (context.mode !== 'table') {
    writeOut(await renderDocument(page.data, context.mode));
    return;
  }
  writeOut(renderTable(page.data, columns));
  const paging = page.pagination;
  if (paging && paging.total > paging.offset + page.data.length) {
    const first = page.data.length === 0 ? paging.offset : paging.offset + 1;
    writeOut(`(${first}-${paging.offset + page.data.length} of ${paging.total}; use --limit and --offset for more)`);
  }
}

/** One entity: key/value lines in table mode, else the whole document. */
export async function printDocument(context: CliContext, value: unknown): Promise<void> {
  writeOut(await renderDocument(value, context.mode));
}
