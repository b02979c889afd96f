import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { describe, expect, it } from 'vitest';
import { CompiledQueries } from './compiled-queries.js';
import type { Database } from './schema.js';

function database(): Kysely<Database> {
  const db = new SqliteDatabase(':memory:');
  db.exec('create table packs (id integer primary key, ref text, label text)');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
}

describe('CompiledQueries', () => {
  it('builds a query once and runs it again with new values', async () => {
    const db = database();
    const queries = new CompiledQueries();
    let builds = 0;
    const insert = (ref: string, label: string) =>
      queries.run(db, 'insert', [ref, label], (r, l) => {
        builds++;
        return db.insertInto('packs').values({ ref: r, label: l } as never).returning(['ref', 'label'] as never);
      });
    expect((await insert('a', 'first')).rows).toEqual([{ ref: 'a', label: 'first' }]);
    expect((await insert('b', 'second')).rows).toEqual([{ ref: 'b', label: 'second' }]);
    expect(builds).toBe(1);
    const { rows } = await queries.run(db, 'find', ['b'], (r) => db.selectFrom('packs').select('label').where('ref', '=', r));
    expect(rows).toEqual([{ label: 'second' }]);
    await db.destroy();
  });

  it('builds a query without a key for that call only', async () => {
    const db = database();
    const queries = new CompiledQueries();
    let builds = 0;
    const insert = (ref: string) =>
      queries.run(db, undefined, [ref], (r) => {
        builds++;
        return db.insertInto('packs').values({ ref: r } as never).returning('ref' as never);
      });
    expect((await insert('a')).rows).toEqual([{ ref: 'a' }]);
    expect((await insert('b')).rows).toEqual([{ ref: 'b' }]);
    expect(builds).toBe(2);
    await db.destroy();
  });

  it('refuses a query that leaves a value out, which would run with the first call’s value for ever', async () => {
    const db = database();
    const queries = new CompiledQueries();
    await expect(queries.run(db, 'bad', ['a', 'b'], (r, _unused) => db.selectFrom('packs').select('label').where('ref', '=', r))).rejects.toThrow(
      'every value must be bound',
    );
    await db.destroy();
  });
});
