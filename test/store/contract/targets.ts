// The databases the store contract runs against: a SQLite file in a temp folder, and a schema of its own in the test
// PostgreSQL. Each test gets a fresh, empty database and the stores it opened are closed after it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach } from 'vitest';
import type { Store } from '../../../src/core/store.js';
import { type OpenStoreOptions, openStore } from '../../../src/store/index.js';
import { createPgTestSchema } from '../pg-test-database.js';

export interface ContractDatabase {
  readonly url: string;
  /** One SQL statement straight on the database, bypassing the store (to corrupt a row). */
  exec(sql: string): Promise<void>;
  drop(): Promise<void>;
}

export interface ContractTarget {
  readonly name: 'sqlite' | 'postgres';
  create(): Promise<ContractDatabase>;
}

export const sqliteTarget: ContractTarget = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'mp-contract-'));
    const path = join(dir, 'store.db');
    return {
      url: `sqlite:${path}`,
      async exec(sql) {
        const raw = new BetterSqlite3(path);
        try {
          raw.prepare(sql).run();
        } finally {
          raw.close();
        }
      },
      async drop() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

export const postgresTarget: ContractTarget = {
  name: 'postgres',
  async create() {
    const schema = await createPgTestSchema();
    return {
      url: schema.url,
      exec: async (sql) => {
        await schema.query(sql);
      },
      drop: () => schema.drop(),
    };
  },
};

export interface ContractContext {
  /** The test's database (fresh for each test). */
  database(): ContractDatabase;
  /** Opens a store on the test's database; closed after the test. */
  open(options?: OpenStoreOptions): Promise<Store>;
}

/** Gives each test of the calling describe block a fresh database of `target`, and closes what it opened. */
export function useContractDatabase(target: ContractTarget): ContractContext {
  let current: ContractDatabase | undefined;
  const opened: Store[] = [];
  beforeEach(async () => {
    current = await target.create();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await current?.drop();
    current = undefined;
  });
  return {
    database() {
      if (!current) throw new Error('no database: call inside a test');
      return current;
    },
    async open(options = {}) {
      const store = await openStore(this.database().url, options);
      opened.push(store);
      return store;
    },
  };
}
