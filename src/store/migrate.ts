import { type Kysely, type Migration, type MigrationProvider, Migrator } from 'kysely';
import type { StoreDialect } from './dialect.js';
import * as initial from './migrations/001-initial.js';
import * as rulesPipeline from './migrations/002-rules-pipeline.js';
import * as executionProcess from './migrations/003-execution-process.js';
import * as identities from './migrations/004-identities.js';
import * as keys from './migrations/005-keys.js';
import * as workflows from './migrations/006-workflows.js';
import * as redriveClaims from './migrations/007-redrive-claims.js';
import * as workers from './migrations/008-workers.js';
import * as inquiries from './migrations/009-inquiries.js';
import * as leases from './migrations/010-leases.js';
import * as policies from './migrations/011-policies.js';
import * as workflowReruns from './migrations/012-workflow-reruns.js';
import * as sensorReports from './migrations/013-sensor-reports.js';
import * as partialParentIndex from './migrations/014-partial-parent-index.js';

/** Migrations in order; names are stable forever once released. */
function migrationsFor(dialect: StoreDialect): Record<string, Migration> {
  return {
    '001-initial': { up: (db) => initial.up(db, dialect) },
    '002-rules-pipeline': { up: (db) => rulesPipeline.up(db) },
    '003-execution-process': { up: (db) => executionProcess.up(db) },
    '004-identities': { up: (db) => identities.up(db, dialect) },
    '005-keys': { up: (db) => keys.up(db) },
    '006-workflows': { up: (db) => workflows.up(db) },
    '007-redrive-claims': { up: (db) => redriveClaims.up(db) },
    '008-workers': { up: (db) => workers.up(db) },
    '009-inquiries': { up: (db) => inquiries.up(db, dialect) },
    '010-leases': { up: (db) => leases.up(db) },
    '011-policies': { up: (db) => policies.up(db, dialect) },
    '012-workflow-reruns': { up: (db) => workflowReruns.up(db) },
    '013-sensor-reports': { up: (db) => sensorReports.up(db) },
    '014-partial-parent-index': { up: (db) => partialParentIndex.up(db) },
  };
}

export async function migrateToLatest(db: Kysely<unknown>, dialect: StoreDialect): Promise<void> {
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrationsFor(dialect)) };
  const migrator = new Migrator({
    db,
    provider,
    migrationTableName: 'attune_migrations', migrationLockTableName: 'attune_migrations_lock',
    ...(dialect.schema === undefined ? {} : { migrationTableSchema: dialect.schema }),
  });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error instanceof Error ? error : new Error(String(error));
}
