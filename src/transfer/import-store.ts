import { AppError } from '../domain/index.js';
import type { Repositories, RestoredRecord, Store } from '../store/index.js';
import { EXPORT_FORMAT, EXPORT_VERSION, RECORD_KINDS, type RecordKind } from './export-store.js';

type Counts = Record<RecordKind, number>;

/**
 * Writes the export `lines` (JSON text, one record each) into `store`, keeping every id and
 * timestamp, through the store port. Refused unless the store is empty (ERR_IMPORT_NOT_EMPTY)
 * and the file is a whole export this version reads (ERR_IMPORT_INVALID: its header, each line,
 * and the `end` line's counts are checked). It is one transaction: a refused or cut-off file
 * writes nothing. Packs come back as rows with their recorded paths; the next start re-registers
 * them from those paths (PackRegistry.registerAtStart), which keeps their ids and their rules'.
 */
export async function importStore(store: Store, lines: AsyncIterable<string>): Promise<Counts> {
  const reader = numbered(lines);
  readHeader(await reader.next());
  return store.transaction(async (tx) => {
    // Checked inside the transaction: nothing can slip in between the check and the writes.
    if (!(await tx.restore.isEmpty())) {
      throw new AppError('ERR_IMPORT_NOT_EMPTY', 'the database is not empty: attune import writes only into a database that only attune db migrate prepared');
    }
    const counts = await writeRecords(tx, reader);
    await tx.restore.syncIdSequences();
    return counts;
  });
}

interface Line {
  readonly number: number;
  readonly value: unknown;
}

async function* numbered(lines: AsyncIterable<string>): AsyncGenerator<Line> {
  let number = 0;
  for await (const text of lines) {
    number++;
    if (text.trim() === '') continue;
    try {
      yield { number, value: JSON.parse(text) as unknown };
    } catch (error) {
      throw invalid(`line ${number} is not JSON`, error);
    }
  }
}

function readHeader(first: IteratorResult<Line>): void {
  const header = (first.done ? undefined : first.value.value) as { kind?: unknown; format?: unknown; version?: unknown } | undefined;
  if (header?.kind !== 'header' || header.format !== EXPORT_FORMAT) throw invalid(`the file does not start with an ${EXPORT_FORMAT} header`);
  if (typeof header.version !== 'number' || header.version > EXPORT_VERSION) {
    throw invalid(`the export is format version ${String(header.version)}; this attune reads version ${EXPORT_VERSION} and older`);
  }
}

async function writeRecords(tx: Repositories, reader: AsyncGenerator<Line>): Promise<Counts> {
  const counts = Object.fromEntries(RECORD_KINDS.map((kind) => [kind, 0])) as Counts;
  for await (const { number, value } of reader) {
    const line = value as { kind?: unknown; data?: unknown; counts?: unknown };
    if (line.kind === 'end') {
      checkEnd(line.counts, counts);
      const after = await reader.next();
      if (!after.done) throw invalid(`line ${after.value.number} comes after the end line`);
      return counts;
    }
    if (!RECORD_KINDS.includes(line.kind as RecordKind) || typeof line.data !== 'object' || line.data === null) {
      throw invalid(`line ${number} is not a record of a kind attune import knows (${RECORD_KINDS.join(', ')})`);
    }
    await tx.restore.insert({ kind: line.kind, data: line.data } as RestoredRecord);
    counts[line.kind as RecordKind]++;
  }
  const read = RECORD_KINDS.map((kind) => counts[kind]).reduce((a, b) => a + b, 0);
  throw invalid(`the file has no end line after ${read} records: it was cut off`);
}

function checkEnd(expected: unknown, counts: Counts): void {
  const wrong = RECORD_KINDS.filter((kind) => (expected as Partial<Counts> | undefined)?.[kind] !== counts[kind]);
  if (wrong.length > 0) {
    const detail = wrong.map((kind) => `${kind}: ${counts[kind]} read, ${String((expected as Partial<Counts> | undefined)?.[kind])} in the end line`).join('; ');
    throw invalid(`the counts of the end line differ from the records read (${detail})`);
  }
}

function invalid(message: string, cause?: unknown): AppError {
  return new AppError('ERR_IMPORT_INVALID', message, cause === undefined ? undefined : { cause });
}
