// Shared by `kolscope keys` and `kolscope usage`: opens the account store from --data-dir / DATABASE_URL,
// turns the store's input errors into usage errors (exit code 2) and always closes the store.
import { join } from 'node:path';
import { loadConfig } from '../../config.ts';
import { AccountError, ACCOUNTS_DB_FILE, openAccountStore, type AccountStore } from '../../accounts/index.ts';

export function usageError(message: string): Error {
  const err = new Error(message);
  err.name = 'UsageError';
  return err;
}

export async function withAccountStore<T>(
  dataDir: string,
  work: (store: AccountStore, where: string) => Promise<T>,
): Promise<T> {
  const config = loadConfig(process.env, { dataDir });
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : join(config.dataDir, ACCOUNTS_DB_FILE);
  let store: AccountStore;
  try {
    store = await openAccountStore(config);
  } catch (error) {
    // Not a usage error: the database is unreachable or unusable. Say so without a stack trace.
    process.stderr.write(`kolscope: ${(error as Error).message}\n`);
    process.exit(1);
  }
  try {
    return await work(store, where);
  } catch (error) {
    if (error instanceof AccountError) throw usageError(error.message);
    throw error;
  } finally {
    await store.close();
  }
}

/** Fixed-width columns for terminal listings. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}
