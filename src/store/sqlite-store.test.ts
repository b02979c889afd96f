import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll } from 'vitest';
import { sqliteDialect } from './dialects/sqlite.js';
import { openStore } from './kysely-store.js';
import { describeStoreContract } from './store.contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'attune-store-'));
let n = 0;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract('sqlite', () => openStore(sqliteDialect(path.join(dir, `store-${++n}.db`))));
