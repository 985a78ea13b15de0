// The serving index's public surface, as the API sees it.
import type { HistoryRecord, HistoryWindow } from './history.ts';
import type { InfluencerQuery } from './query.ts';

export interface SearchResult {
  /** The page as a JSON array literal of served rows ("[]" when empty), ready to splice into the envelope. */
  readonly dataJson: string;
  /** Number of rows in the page. */
  readonly count: number;
  /** Number of influencers matching the query, over every page (X-Total-Count). */
  readonly total: number;
}

/** A value of a coded field and how many influencers have it. */
export interface ValueCount {
  /** The value as the index compares it: category names and language codes lower-cased, product category ids. */
  readonly value: string;
  readonly influencers: number;
}

/** What one region of a snapshot holds: its influencers and the values its filters can match. */
export interface RegionVocabulary {
  readonly region: string;
  readonly influencers: number;
  readonly categories: readonly ValueCount[];
  readonly languages: readonly ValueCount[];
  readonly productCategories: readonly ValueCount[];
}

/** One loaded snapshot, searchable. Immutable: a new snapshot means a new ServingIndex. */
export interface ServingIndex {
  /** Snapshot version id, e.g. "2026-11-24.1". */
  readonly version: string;
  /** As-of date of the snapshot, YYYY-MM-DD. */
  readonly asOf: string;
  /** Regions with at least one influencer. */
  readonly regions: readonly string[];
  /** Synchronous and allocation-light: this is the request hot path. */
  search(query: InfluencerQuery): SearchResult;
  /**
   * The served items of the influencers whose user_id (or handle, unique_id, case-insensitive) is one of
   * `values`, in the order of `values`, as a JSON array literal; values not found are left out.
   */
  detail(key: 'user_id' | 'unique_id', values: readonly string[]): string;
  /** Per region with influencers, in region order: counts of each value (counted once, on first call). */
  vocabulary(): readonly RegionVocabulary[];
  /** The days the daily history retains, or null for a snapshot written without one (history.ts). */
  readonly historyWindow: HistoryWindow | null;
  /**
   * An influencer's crawled days within [from, to] (YYYY-MM-DD, inside historyWindow), ascending; null when
   * the user_id is not in the snapshot. Positioned reads, nothing held per influencer. The records are
   * reused by the next call. Throws when the snapshot has no history.
   */
  history(userId: string, from: string, to: string): readonly HistoryRecord[] | null;
  /** Releases file handles; searches after close() throw. */
  close(): void;
}
