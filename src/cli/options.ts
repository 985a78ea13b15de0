// Options shared by every sub-command.
import { Option } from 'commander';

/** --data-dir: where snapshots, the warehouse and the accounts database live. */
export function dataDirOption(): Option {
  return new Option('--data-dir <dir>', 'data directory (default: $DATA_DIR, else ./data)').default(
    process.env.DATA_DIR || './data',
  );
}

/** Parses a non-negative integer option, naming the option in the error. */
export function parseCount(name: string) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n)) {
      const err = new Error(`${name} must be a non-negative integer, got "${raw}"`);
      err.name = 'UsageError';
      throw err;
    }
    return n;
  };
}
