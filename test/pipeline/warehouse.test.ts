// The warehouse's layout version: a new warehouse is stamped, an older one is refused and left untouched.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { openWarehouse, WAREHOUSE_VERSION, WarehouseError } from '../../src/pipeline/warehouse.ts';
import { tempDir } from './fixtures.ts';

async function tablesOf(file: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(file);
  const connection = await instance.connect();
  try {
    const result = await connection.runAndReadAll(
      `SELECT table_name FROM duckdb_tables() ORDER BY table_name`,
    );
    return result.getRowsJS().map((row) => String(row[0]));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('warehouse layout version', () => {
  it('stamps a new warehouse with the current version and reopens it', async () => {
    const dir = await tempDir('warehouse');
    try {
      (await openWarehouse(dir)).close();
      const again = await openWarehouse(dir);
      const version = await again.connection.runAndReadAll(`SELECT value FROM warehouse_meta`);
      again.close();
      assert.deepEqual(version.getRowsJS(), [[String(WAREHOUSE_VERSION)]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses an older layout with a message naming both versions, and creates nothing in it', async () => {
    const dir = await tempDir('warehouse');
    const file = join(dir, 'warehouse.duckdb');
    try {
      const instance = await DuckDBInstance.create(file);
      const connection = await instance.connect();
      await connection.run(`CREATE TABLE warehouse_meta (key VARCHAR PRIMARY KEY, value VARCHAR)`);
      await connection.run(`INSERT INTO warehouse_meta VALUES ('version', '2')`);
      await connection.run(`CREATE TABLE stats_latest (user_id HUGEINT)`);
      connection.closeSync();
      instance.closeSync();

      await assert.rejects(
        openWarehouse(dir),
        (err: unknown) =>
          err instanceof WarehouseError &&
          err.message.includes(`layout version 2, this Kolscope expects ${WAREHOUSE_VERSION}`) &&
          err.message.includes('ingest the raw batches again'),
      );
      assert.deepEqual(await tablesOf(file), ['stats_latest', 'warehouse_meta']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
