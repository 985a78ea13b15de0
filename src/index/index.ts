// The serving index stage's public surface: build a snapshot's index, load it, search it. The API imports
// only from here.
export { buildServingIndex, IndexBuildError } from './build.ts';
export { loadServingIndex, IndexLoadError, type LoadedServingIndex } from './load.ts';
export type { PlanKind } from './search/index.ts';
export type { SearchResult, ServingIndex } from './types.ts';
export {
  RANGE_FIELDS,
  SORT_FIELDS,
  compareUserIds,
  type InfluencerQuery,
  type Range,
  type RangeField,
  type SortFieldCode,
} from './query.ts';
