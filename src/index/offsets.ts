// Byte offsets of each row's JSON in rows.json, held in 4 bytes a row instead of the file's 8: the offset of
// every block's first row as a float64, and each row's distance from it as a uint32 (a block spans far less
// than 4 GiB: rows are about 1.4 kB). Made in the load worker from rows.offsets.f64, which stays as it is on
// disk. A plain object (it crosses from the load worker by structured clone), read with rowOffset().

/** log2 of the rows per block at most (fewer when rows are so long that a block would span 4 GiB). */
const BLOCK_SHIFT = 16;

export interface RowOffsets {
  /** Offset of row r = bases[r >>> shift] + deltas[r]; r = rows gives the file's length. */
  readonly bases: Float64Array;
  readonly deltas: Uint32Array;
  readonly shift: number;
}

/** From the file's float64 offsets (rows + 1 entries, ascending). */
export function rowOffsets(offsets: Float64Array): RowOffsets {
  const n = offsets.length;
  for (let shift = BLOCK_SHIFT; ; shift--) {
    const bases = new Float64Array(((Math.max(1, n) - 1) >>> shift) + 1);
    const deltas = new Uint32Array(n);
    let fits = true;
    for (let r = 0; r < n && fits; r++) {
      if ((r & ((1 << shift) - 1)) === 0) bases[r >>> shift] = offsets[r]!;
      const d = offsets[r]! - bases[r >>> shift]!;
      fits = d <= 0xffffffff;
      deltas[r] = d;
    }
    if (fits || shift === 0) return { bases, deltas, shift };
  }
}

/** Byte offset where row `row` starts in rows.json. */
export function rowOffset(o: RowOffsets, row: number): number {
  return o.bases[row >>> o.shift]! + o.deltas[row]!;
}
