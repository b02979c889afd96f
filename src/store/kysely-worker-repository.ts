import type { Kysely, Selectable } from 'kysely';
import type { RunnerType, WorkerRecord, WorkerStatus } from '../domain/index.js';
import { nowIso } from './rows.js';
import type { Database, WorkerTable } from './schema.js';
import type { NewWorker, WorkerRepository } from './store.js';

function toWorker(row: Selectable<WorkerTable>): WorkerRecord {
  return {
    id: row.id,
    host: row.host,
    pid: row.pid,
    runtimes: JSON.parse(row.runtimes) as RunnerType[],
    concurrency: row.concurrency,
    started: row.started,
    heartbeatAt: row.heartbeat_at,
    status: row.status as WorkerStatus,
  };
}

export class KyselyWorkerRepository implements WorkerRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async register(worker: NewWorker): Promise<WorkerRecord> {
    const now = nowIso();
    const values = {
      host: worker.host,
      pid: worker.pid,
      runtimes: JSON.stringify(worker.runtimes),
      concurrency: worker.concurrency,
      started: now,
      heartbeat_at: now,
      status: 'live',
    };
    const row = await this.#db
      .insertInto('workers')
      .values({ id: worker.id, ...values })
      .onConflict((c) => c.column('id').doUpdateSet(values))
      .returningAll()
      .executeTakeFirstOrThrow();
    return toWorker(row);
  }

  async heartbeat(id: string): Promise<boolean> {
    // Only a live row: a worker declared dead must learn it (its executions were abandoned or
    // given to another worker) and register again, not quietly become live under them.
    const result = await this.#db
      .updateTable('workers')
      .set({ heartbeat_at: nowIso() })
      .where('id', '=', id)
      .where('status', '=', 'live')
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async purge(heartbeatBefore: string): Promise<number> {
    const result = await this.#db
      .deleteFrom('workers')
      .where('status', 'in', ['dead', 'stopped'])
      .where('heartbeat_at', '<', heartbeatBefore)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  async markStopped(id: string): Promise<void> {
    await this.#db.updateTable('workers').set({ status: 'stopped' }).where('id', '=', id).execute();
  }

  async markDead(heartbeatBefore: string): Promise<readonly WorkerRecord[]> {
    // One UPDATE: the status condition is checked again on each row it changes, so of two
    // executors sweeping together each dead worker is returned to one of them only.
    const rows = await this.#db
      .updateTable('workers')
      .set({ status: 'dead' })
      .where('status', '=', 'live')
      .where('heartbeat_at', '<', heartbeatBefore)
      .returningAll()
      .execute();
    return rows.map(toWorker);
  }

  async list(): Promise<readonly WorkerRecord[]> {
    const rows = await this.#db.selectFrom('workers').selectAll().execute();
    const rank = (status: string) => (status === 'live' ? 0 : 1);
    return rows.map(toWorker).sort((a, b) => rank(a.status) - rank(b.status) || a.id.localeCompare(b.id));
  }
}
