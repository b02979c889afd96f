import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Fresh PostgreSQL databases for tests, on the server of `TEST_PG_URL`: each `create()` makes
 * `attune_test_<random>` and returns its URL; `dropAll()` removes every one it made (WITH (FORCE):
 * a connection a failed test left open does not keep a database alive).
 */
export class TestDatabases {
  readonly #adminUrl: string;
  readonly #created: string[] = [];
  #shared: Promise<string> | undefined;

  constructor(adminUrl: string) {
    this.#adminUrl = adminUrl;
  }

  async create(): Promise<string> {
    const name = `attune_test_${randomBytes(6).toString('hex')}`;
    await this.#admin(`create database ${name}`);
    this.#created.push(name);
    return withDatabase(this.#adminUrl, name);
  }

  /**
   * A fresh schema in one database made for this instance: far cheaper than a database each
   * (measured: see the report of issue 8), and gone with that database in `dropAll()`.
   */
  async createSchema(): Promise<{ url: string; schema: string }> {
    this.#shared ??= this.create();
    const url = await this.#shared;
    const schema = `s_${randomBytes(6).toString('hex')}`;
    await run(url, `create schema ${schema}`);
    return { url, schema };
  }

  async dropAll(): Promise<void> {
    this.#shared = undefined;
    for (const name of this.#created.splice(0)) await this.#admin(`drop database if exists ${name} with (force)`);
  }

  #admin(statement: string): Promise<void> {
    return run(this.#adminUrl, statement);
  }
}

/** Drops the database `name` on the server of `adminUrl`, if it is there. */
export function dropDatabase(adminUrl: string, name: string): Promise<void> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`not a test database name: ${name}`);
  return run(adminUrl, `drop database if exists ${name} with (force)`);
}

async function run(url: string, statement: string): Promise<void> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
}

/** `url` with its database replaced by `name`. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}
