// Snapshot directories: immutable, versioned, written completely before activation.
//
//   DATA_DIR/snapshots/<version>/manifest.json      what it is (as-of date, row counts per region)
//   DATA_DIR/snapshots/<version>/influencers.parquet all rows (src/snapshot/schema.ts)
//   DATA_DIR/snapshots/<version>/index/...           serving index files (src/index)
//   DATA_DIR/snapshots/ACTIVE                        name of the active version (replaced atomically)
//
// A draft lives in snapshots/.draft-<version>-<pid>/ until commit() renames it into place, so a crash leaves
// at most an orphan draft and never a half-written snapshot under a version name.
import { mkdir, readdir, readFile, rename, rm, writeFile, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { SNAPSHOT_MANIFEST_FILE, SNAPSHOT_SCHEMA_VERSION } from './schema.ts';

export interface SnapshotManifest {
  readonly version: string;
  /** As-of date, YYYY-MM-DD. */
  readonly asOf: string;
  readonly createdAt: string;
  readonly schemaVersion: number;
  readonly rows: number;
  /** Rows per region code. */
  readonly regions: Readonly<Record<string, number>>;
  /** Free-form provenance (raw directory, batches, rejected rows, generator seed, …). */
  readonly source?: Readonly<Record<string, unknown>>;
}

export interface SnapshotInfo {
  readonly manifest: SnapshotManifest;
  readonly dir: string;
  readonly active: boolean;
}

const ACTIVE_FILE = 'ACTIVE';
const VERSION_PATTERN = /^\d{4}-\d{2}-\d{2}\.\d+$/;

export function snapshotsDir(dataDir: string): string {
  return join(dataDir, 'snapshots');
}

export class SnapshotError extends Error {}

/** A snapshot being written. Write files into `dir`, then commit() or abandon(). */
export interface SnapshotDraft {
  readonly version: string;
  readonly asOf: string;
  readonly dir: string;
  /** Writes the manifest, syncs every file and renames the draft into place. Does not activate. */
  commit(content: Pick<SnapshotManifest, 'rows' | 'regions' | 'source'>): Promise<SnapshotInfo>;
  /** Removes the draft. Safe to call after a failure, and after commit (then a no-op). */
  abandon(): Promise<void>;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncTree(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) await fsyncTree(path);
    else await fsyncPath(path);
  }
  await fsyncPath(dir);
}

async function nextVersion(dataDir: string, asOf: string): Promise<string> {
  const existing = await listVersionNames(dataDir);
  const taken = existing.filter((v) => v.startsWith(`${asOf}.`)).map((v) => Number(v.slice(asOf.length + 1)));
  return `${asOf}.${taken.length === 0 ? 1 : Math.max(...taken) + 1}`;
}

async function listVersionNames(dataDir: string): Promise<string[]> {
  try {
    return (await readdir(snapshotsDir(dataDir))).filter((name) => VERSION_PATTERN.test(name));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
}

/** Starts a new snapshot for an as-of date (YYYY-MM-DD). */
export async function beginSnapshot(dataDir: string, asOf: string): Promise<SnapshotDraft> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(asOf))
    throw new SnapshotError(`as-of date must be YYYY-MM-DD, got "${asOf}"`);
  await mkdir(snapshotsDir(dataDir), { recursive: true });
  const version = await nextVersion(dataDir, asOf);
  const dir = join(snapshotsDir(dataDir), `.draft-${version}-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  let committed: SnapshotInfo | null = null;
  return {
    version,
    asOf,
    dir,
    async commit(content) {
      if (committed) return committed;
      const manifest: SnapshotManifest = {
        version,
        asOf,
        createdAt: new Date().toISOString(),
        schemaVersion: SNAPSHOT_SCHEMA_VERSION,
        ...content,
      };
      await writeFile(join(dir, SNAPSHOT_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
      await fsyncTree(dir);
      const finalDir = join(snapshotsDir(dataDir), version);
      await rename(dir, finalDir);
      await fsyncPath(snapshotsDir(dataDir));
      committed = { manifest, dir: finalDir, active: false };
      return committed;
    },
    async abandon() {
      if (!committed) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function readManifest(dir: string): Promise<SnapshotManifest> {
  return JSON.parse(await readFile(join(dir, SNAPSHOT_MANIFEST_FILE), 'utf8')) as SnapshotManifest;
}

async function activeVersion(dataDir: string): Promise<string | null> {
  try {
    const v = (await readFile(join(snapshotsDir(dataDir), ACTIVE_FILE), 'utf8')).trim();
    return VERSION_PATTERN.test(v) ? v : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** Makes a committed snapshot the one served: an atomic rename of the ACTIVE pointer. */
export async function activateSnapshot(dataDir: string, version: string): Promise<void> {
  const dir = join(snapshotsDir(dataDir), version);
  try {
    await readManifest(dir);
  } catch {
    throw new SnapshotError(`snapshot ${version} does not exist or has no manifest`);
  }
  const tmp = join(snapshotsDir(dataDir), `${ACTIVE_FILE}.tmp-${process.pid}`);
  await writeFile(tmp, version + '\n');
  await fsyncPath(tmp);
  await rename(tmp, join(snapshotsDir(dataDir), ACTIVE_FILE));
  await fsyncPath(snapshotsDir(dataDir));
}

/** The active snapshot, or null when none was activated yet. */
export async function activeSnapshot(dataDir: string): Promise<SnapshotInfo | null> {
  const version = await activeVersion(dataDir);
  if (!version) return null;
  const dir = join(snapshotsDir(dataDir), version);
  return { manifest: await readManifest(dir), dir, active: true };
}

/** Every committed snapshot, oldest first. */
export async function listSnapshots(dataDir: string): Promise<SnapshotInfo[]> {
  const active = await activeVersion(dataDir);
  const names = (await listVersionNames(dataDir)).sort((a, b) => {
    const [da, na] = a.split('.');
    const [db, nb] = b.split('.');
    return da === db ? Number(na) - Number(nb) : da! < db! ? -1 : 1;
  });
  const infos: SnapshotInfo[] = [];
  for (const name of names) {
    const dir = join(snapshotsDir(dataDir), name);
    try {
      await stat(join(dir, SNAPSHOT_MANIFEST_FILE));
    } catch {
      continue; // not a committed snapshot
    }
    infos.push({ manifest: await readManifest(dir), dir, active: name === active });
  }
  return infos;
}

/** Path of the ACTIVE pointer file, for watchers that reload on activation. */
export function activePointerPath(dataDir: string): string {
  return join(snapshotsDir(dataDir), ACTIVE_FILE);
}
