// The values a snapshot's filters can match, as clients see them: regions with their influencer counts,
// creator categories and TikTok Shop product categories by their display names (from the snapshot taxonomy),
// language codes. Counted once per snapshot (the index counts its posting lists), then shared.
import type { RegionVocabulary, ServingIndex, ValueCount } from '../index/types.ts';
import { CREATOR_CATEGORIES, PRODUCT_CATEGORIES } from '../snapshot/taxonomy.ts';

export interface NamedCount {
  readonly name: string;
  readonly influencers: number;
}

export interface ProductCategoryCount {
  readonly id: string;
  readonly name: string;
  readonly influencers: number;
}

export interface LanguageCount {
  readonly code: string;
  readonly influencers: number;
}

export interface RegionCount {
  readonly region: string;
  readonly influencers: number;
}

/** A snapshot's vocabulary, overall and per region. */
export interface Vocabulary {
  readonly regions: readonly RegionCount[];
  categories(region?: string): readonly NamedCount[];
  productCategories(region?: string): readonly ProductCategoryCount[];
  languages(region?: string): readonly LanguageCount[];
}

const CATEGORY_NAMES: ReadonlyMap<string, string> = new Map(
  CREATOR_CATEGORIES.map((c) => [c.toLowerCase(), c]),
);
const PRODUCT_NAMES: ReadonlyMap<string, string> = new Map(PRODUCT_CATEGORIES.map((c) => [c.id, c.name]));

/** Counts summed over regions, most frequent first (ties by value). */
function merged(lists: readonly (readonly ValueCount[])[]): ValueCount[] {
  const sums = new Map<string, number>();
  for (const list of lists) for (const c of list) sums.set(c.value, (sums.get(c.value) ?? 0) + c.influencers);
  return [...sums]
    .map(([value, influencers]) => ({ value, influencers }))
    .sort((a, b) => b.influencers - a.influencers || (a.value < b.value ? -1 : 1));
}

function build(regions: readonly RegionVocabulary[]): Vocabulary {
  const byRegion = new Map(regions.map((r) => [r.region, r]));
  const pick = (region: string | undefined, of: (r: RegionVocabulary) => readonly ValueCount[]) => {
    if (region === undefined) return merged(regions.map(of));
    const r = byRegion.get(region);
    return r ? of(r) : [];
  };
  const memo = <T>(make: (region: string | undefined) => T) => {
    const cache = new Map<string, T>();
    return (region?: string): T => {
      const key = region ?? '';
      let value = cache.get(key);
      if (value === undefined) cache.set(key, (value = make(region)));
      return value;
    };
  };
  return {
    regions: regions.map((r) => ({ region: r.region, influencers: r.influencers })),
    categories: memo((region) =>
      pick(region, (r) => r.categories).map((c) => ({
        name: CATEGORY_NAMES.get(c.value) ?? c.value,
        influencers: c.influencers,
      })),
    ),
    productCategories: memo((region) =>
      pick(region, (r) => r.productCategories).map((c) => ({
        id: c.value,
        name: PRODUCT_NAMES.get(c.value) ?? '',
        influencers: c.influencers,
      })),
    ),
    languages: memo((region) =>
      pick(region, (r) => r.languages).map((c) => ({ code: c.value, influencers: c.influencers })),
    ),
  };
}

const bySnapshot = new WeakMap<ServingIndex, Vocabulary>();

/** The vocabulary of a loaded snapshot (built on first use, kept as long as the snapshot is). */
export function vocabularyOf(index: ServingIndex): Vocabulary {
  let vocabulary = bySnapshot.get(index);
  if (!vocabulary) bySnapshot.set(index, (vocabulary = build(index.vocabulary())));
  return vocabulary;
}

/** Edit distance (Levenshtein) of two short strings. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++)
      current[j] = Math.min(
        previous[j]! + 1,
        current[j - 1]! + 1,
        previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The `count` valid values closest to what a client typed: values containing it (or contained in it) first,
 * then by edit distance. Compared lower-cased.
 */
export function closest(typed: string, values: readonly string[], count = 3): string[] {
  const t = typed.toLowerCase();
  const score = (v: string): number => {
    const l = v.toLowerCase();
    const overlap = l.includes(t) || t.includes(l) || l.split(/[^\p{L}\p{N}]+/u).some((w) => w.startsWith(t));
    return (overlap ? 0 : 1000) + distance(t, l);
  };
  return [...values]
    .map((v) => ({ v, s: score(v) }))
    .sort((a, b) => a.s - b.s || (a.v < b.v ? -1 : 1))
    .slice(0, count)
    .map((x) => x.v);
}
