// Where the derived files of a region (attributes, rank buckets, product bytes) are read from and written to:
// the region's folder while the index is built, memory while an older format is upgraded at load time (a
// committed snapshot is never written to).
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface RegionFiles {
  /** A file of the region, whole, in an ArrayBuffer of its own (aligned for every element type). */
  read(name: string): Promise<ArrayBuffer>;
  write(name: string, bytes: ArrayBufferView): Promise<void>;
}

async function readOwn(path: string): Promise<ArrayBuffer> {
  const bytes = await readFile(path);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The files of the region folder `dir`. */
export function diskFiles(dir: string): RegionFiles {
  return {
    read: (name) => readOwn(join(dir, name)),
    write: (name, bytes) => writeFile(join(dir, name), asBytes(bytes)),
  };
}

/**
 * Files derived in memory, keyed by their path in the index folder (`<region dir>/<name>`): a write copies
 * the bytes into `derived`; a read returns them when derived, else reads the region folder on disk.
 */
export function derivedFiles(
  indexDir: string,
  regionDir: string,
  derived: Map<string, Uint8Array>,
): RegionFiles {
  return {
    read: async (name) => {
      const own = derived.get(`${regionDir}/${name}`);
      return own ? own.slice().buffer : readOwn(join(indexDir, regionDir, name));
    },
    write: async (name, bytes) => {
      derived.set(`${regionDir}/${name}`, asBytes(bytes).slice());
    },
  };
}
