// The live snapshot a server follows: the serving index of the active snapshot, swapped when it changes.
import { loadServingIndex } from '../index/index.ts';
import type { ServingIndex } from '../index/types.ts';
import { activeSnapshot } from '../snapshot/store.ts';

/**
 * The snapshot served, swapped atomically when the ACTIVE pointer changes. Searches are synchronous, so
 * once `current` points at the new index no request is still inside the old one and it can be closed.
 */
export class LiveSnapshot {
  current: ServingIndex | null = null;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dataDir: string,
    private readonly log: (msg: string, err?: unknown) => void,
    /** REGIONS: the regions this replica loads and serves (default: all of the snapshot's). */
    private readonly regions?: readonly string[],
  ) {}

  /** Loads the active snapshot if it is not the one served. Serialized: concurrent calls queue. */
  refresh(): Promise<void> {
    this.chain = this.chain.then(() => this.load());
    return this.chain;
  }

  private async load(): Promise<void> {
    if (this.closed) return;
    try {
      const info = await activeSnapshot(this.dataDir);
      if (!info || info.manifest.version === this.current?.version) return;
      const next = await loadServingIndex(info.dir, this.regions);
      if (this.closed) return next.close();
      const previous = this.current;
      this.current = next;
      previous?.close();
      this.log(
        `serving snapshot ${next.version} (as of ${next.asOf}, ${next.rows.toLocaleString('en-US')} influencers, regions ${next.regions.join(' ')})`,
      );
    } catch (err) {
      // A snapshot that cannot be loaded leaves the previous one serving.
      this.log(
        `could not load the active snapshot; still serving ${this.current?.version ?? 'nothing'}`,
        err,
      );
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.chain;
    this.current?.close();
    this.current = null;
  }
}
