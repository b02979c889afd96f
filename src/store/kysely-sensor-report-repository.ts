import type { Kysely, Selectable } from 'kysely';
import type { Database, SensorReportTable } from './schema.js';
import type { SensorReportRepository } from './store.js';
import type { SensorReport, SensorReportLine } from './store-types.js';

function toReport(row: Selectable<SensorReportTable>): SensorReport {
  return {
    ref: row.ref,
    state: row.state,
    pid: row.pid === null ? null : Number(row.pid),
    restarts: Number(row.restarts),
    consecutiveFailures: Number(row.consecutive_failures),
    lastExit: row.last_exit === null ? null : (JSON.parse(row.last_exit) as SensorReport['lastExit']),
    nextRestartAt: row.next_restart_at,
    instances: Number(row.instances),
    inProcess: Number(row.in_process) === 1,
    service: row.service,
    term: Number(row.term),
    updatedAt: row.updated_at,
  };
}

/** The status columns: every column but the log lines. */
const STATUS_COLUMNS = [
  'ref',
  'state',
  'pid',
  'restarts',
  'consecutive_failures',
  'last_exit',
  'next_restart_at',
  'instances',
  'in_process',
  'service',
  'term',
  'updated_at',
] as const;

/** Sensor reports: one row per sensor, replaced by compare-and-set on the lease term. */
export class KyselySensorReportRepository implements SensorReportRepository {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async saveStatus(report: SensorReport): Promise<boolean> {
    const status = {
      state: report.state,
      pid: report.pid,
      restarts: report.restarts,
      consecutive_failures: report.consecutiveFailures,
      last_exit: report.lastExit === null ? null : JSON.stringify(report.lastExit),
      next_restart_at: report.nextRestartAt,
      instances: report.instances,
      in_process: report.inProcess ? 1 : 0,
      service: report.service,
      term: report.term,
      updated_at: report.updatedAt,
    };
    const result = await this.#db
      .insertInto('sensor_reports')
      .values({ ref: report.ref, ...status, logs: '[]' })
      .onConflict((oc) => oc.column('ref').doUpdateSet(status).where('sensor_reports.term', '<=', report.term))
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async saveLogs(ref: string, term: number, lines: readonly SensorReportLine[]): Promise<boolean> {
    const result = await this.#db
      .updateTable('sensor_reports')
      .set({ logs: JSON.stringify(lines.map(({ at, stream, line }) => ({ at, stream, line }))) })
      .where('ref', '=', ref)
      .where('term', '<=', term)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async get(ref: string): Promise<SensorReport | undefined> {
    const row = await this.#db.selectFrom('sensor_reports').select(STATUS_COLUMNS).where('ref', '=', ref).executeTakeFirst();
    return row ? toReport({ ...row, logs: '' }) : undefined;
  }

  async list(): Promise<readonly SensorReport[]> {
    const rows = await this.#db.selectFrom('sensor_reports').select(STATUS_COLUMNS).orderBy('ref').execute();
    return rows.map((row) => toReport({ ...row, logs: '' }));
  }

  async logsOf(ref: string): Promise<readonly SensorReportLine[] | undefined> {
    const row = await this.#db.selectFrom('sensor_reports').select('logs').where('ref', '=', ref).executeTakeFirst();
    return row ? (JSON.parse(row.logs) as SensorReportLine[]) : undefined;
  }
}
