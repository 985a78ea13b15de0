// The searcher of a loaded serving index, and the region model it searches (what load.ts fills in).
export { IndexSearcher } from './searcher.ts';
export type { PlanKind } from './planner.ts';
export type { CodeColumn, IndexDictionaries, NumericColumn, PostingLists, RegionIndex } from './region.ts';
