// The benchmark's query mixes, deterministic from a seed: a realistic mix of searches as clients send them,
// and a mix of the worst classes (selective filters with a sort on another field, category lists, deep pages).
import type { InfluencerQuery, RangeField, SortFieldCode } from '../src/index/query.ts';

export interface BenchQuery {
  /** Query class, for per-class statistics. */
  readonly kind: string;
  readonly query: InfluencerQuery;
}

/** mulberry32: small, fast, deterministic. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const REGIONS: readonly [string, number][] = [
  ['US', 0.4],
  ['ID', 0.1],
  ['GB', 0.08],
  ['TH', 0.07],
  ['VN', 0.07],
  ['PH', 0.06],
  ['MX', 0.06],
  ['BR', 0.06],
  ['MY', 0.05],
  ['DE', 0.05],
];
const CATEGORIES = ['beauty', 'shopping & retail', 'life style', 'health & wellness', 'clothing & accessories', 'baby',
  'food & beverage', 'gaming', 'pets', 'music & dance', 'travel & tourism', 'education & training']; // prettier-ignore
const PRODUCT_IDS = ['601450', '601152', '824328', '600001', '605248', '601739', '601303', '824584', '601352',
  '602284', '600024', '603014', '700437', '604206', '602118', '2344592']; // prettier-ignore
const LANGUAGES: Record<string, readonly string[]> = {
  US: ['en', 'es'], ID: ['id', 'en'], GB: ['en', 'pl'], TH: ['th', 'en'], VN: ['vi', 'en'], PH: ['tl', 'en'],
  MX: ['es', 'en'], BR: ['pt', 'es'], MY: ['ms', 'zh'], DE: ['de', 'tr'],
}; // prettier-ignore

class Draw {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = random(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  region(): string {
    let u = this.next();
    for (const [r, share] of REGIONS) if ((u -= share) < 0) return r;
    return 'US';
  }
  sort(): SortFieldCode {
    return this.int(0, 6) as SortFieldCode;
  }
  ids(min: number, max: number): string[] {
    const n = this.int(min, max);
    const out = new Set<string>();
    while (out.size < n) out.add(this.pick(PRODUCT_IDS));
    return [...out];
  }
}

type Ranges = Partial<Record<RangeField, { min?: number; max?: number }>>;

/** One realistic filter; returns what it adds to the query. */
function filter(d: Draw, region: string): Partial<InfluencerQuery> & { ranges?: Ranges } {
  switch (d.int(0, 9)) {
    case 0: {
      const min = d.pick([1000, 5000, 10_000, 50_000, 100_000]);
      return { ranges: { total_followers_cnt: { min, max: min * d.pick([5, 10, 20]) } } };
    }
    case 1:
      return { ranges: { total_followers_cnt: { min: d.pick([10_000, 100_000, 1_000_000]) } } };
    case 2:
      return { ranges: { interaction_rate: { min: d.pick([0.03, 0.05, 0.08, 0.1]) } } };
    case 3:
      return { ranges: { total_views_cnt: { min: d.pick([100_000, 1_000_000, 10_000_000]) } } };
    case 4:
      return { category: d.pick(CATEGORIES) };
    case 5:
      return { salesFlag: d.pick([1, 2, 3, 4] as const) };
    case 6:
      return { language: d.pick(LANGUAGES[region] ?? ['en']) };
    case 7:
      return region === 'US' ? { gender: d.pick(['male', 'female']) } : { showCaseFlag: 1 };
    case 8:
      return { productCategoryIds: d.ids(1, 2) };
    default:
      return { ranges: { total_digg_cnt: { min: d.pick([10_000, 100_000, 1_000_000]) } } };
  }
}

function combine(
  base: InfluencerQuery,
  parts: (Partial<InfluencerQuery> & { ranges?: Ranges })[],
): InfluencerQuery {
  let q: InfluencerQuery = base;
  for (const p of parts) q = { ...q, ...p, ranges: { ...q.ranges, ...(p.ranges ?? {}) } };
  return q;
}

function baseQuery(d: Draw, pageNum: number): InfluencerQuery {
  return {
    region: d.region(),
    pageNum,
    pageSize: d.chance(0.8) ? 10 : d.int(1, 10),
    sortField: d.sort(),
    descending: d.chance(0.75),
    ranges: {},
  };
}

/** The realistic mix: browse, filtered searches, deep pages, selective combinations, product lists. */
export function realisticMix(seed: number, count = 320): BenchQuery[] {
  const d = new Draw(seed);
  const out: BenchQuery[] = [];
  for (let i = 0; i < count; i++) {
    const u = d.float();
    if (u < 0.2) {
      out.push({ kind: 'browse', query: baseQuery(d, d.int(1, 5)) });
    } else if (u < 0.6) {
      const q = baseQuery(d, d.int(1, 5));
      const parts = Array.from({ length: d.int(1, 3) }, () => filter(d, q.region));
      out.push({ kind: 'filtered', query: combine(q, parts) });
    } else if (u < 0.72) {
      const q = baseQuery(d, d.pick([20, 50, 100, 300, 1000]));
      const parts = Array.from({ length: d.int(0, 2) }, () => filter(d, q.region));
      out.push({ kind: 'deep page', query: combine(q, parts) });
    } else if (u < 0.88) {
      const q = baseQuery(d, d.int(1, 3));
      const parts = [
        { category: d.pick(CATEGORIES) },
        { ranges: { total_followers_cnt: { min: 50_000, max: 500_000 } } },
        { ranges: { interaction_rate: { min: d.pick([0.05, 0.08]) } } },
        ...(d.chance(0.5) ? [{ salesFlag: d.pick([1, 3] as const) }] : []),
      ];
      out.push({ kind: 'selective', query: combine(q, parts) });
    } else {
      const q = baseQuery(d, d.int(1, 5));
      const parts = [{ productCategoryIds: d.ids(1, 3) }, ...(d.chance(0.5) ? [filter(d, q.region)] : [])];
      out.push({ kind: 'product list', query: combine(q, parts) });
    }
  }
  return out;
}

/** The worst classes: selective multi-filters sorted on another field, category lists, pages 1000–10000. */
export function worstMix(seed: number, count = 120): BenchQuery[] {
  const d = new Draw(seed ^ 0x5bd1e995);
  const out: BenchQuery[] = [];
  for (let i = 0; i < count; i++) {
    const region = d.chance(0.7) ? 'US' : d.region();
    const sortField = d.pick([2, 3, 4, 5, 6] as const);
    const kind = i % 3;
    if (kind === 0) {
      const q = combine(
        { region, pageNum: d.int(1, 50), pageSize: 10, sortField, descending: d.chance(0.8), ranges: {} },
        [
          { category: d.pick(CATEGORIES) },
          {
            ranges: {
              total_followers_cnt: { min: d.pick([20_000, 100_000]), max: d.pick([1_000_000, 5_000_000]) },
            },
          },
          { ranges: { interaction_rate: { min: d.pick([0.06, 0.09]) } } },
          { salesFlag: d.pick([1, 2, 3] as const) },
        ],
      );
      out.push({ kind: 'worst: selective + other sort', query: q });
    } else if (kind === 1) {
      const q = combine(
        { region, pageNum: d.pick([1, 10, 100, 500]), pageSize: 10, sortField, descending: true, ranges: {} },
        [{ productCategoryIds: d.ids(3, 6) }, filter(d, region)],
      );
      out.push({ kind: 'worst: category list', query: q });
    } else {
      const q = combine(
        {
          region,
          pageNum: d.pick([1000, 2000, 5000, 10_000]),
          pageSize: 10,
          sortField: d.sort(),
          descending: d.chance(0.7),
          ranges: {},
        },
        Array.from({ length: d.int(0, 2) }, () => filter(d, region)),
      );
      out.push({ kind: 'worst: deep page', query: q });
    }
  }
  return out;
}

/** The commerce sorts (7–11) and filters of issue 9: GMV, growth (may be negative), ec_score, contact e-mail,
 *  alone and with the older filters. */
export function commerceMix(seed: number, count = 120): BenchQuery[] {
  const d = new Draw(seed ^ 0x27d4eb2f);
  const out: BenchQuery[] = [];
  for (let i = 0; i < count; i++) {
    const q: InfluencerQuery = {
      region: d.region(),
      pageNum: d.chance(0.8) ? d.int(1, 5) : d.pick([20, 100, 500]),
      pageSize: 10,
      sortField: d.pick([7, 8, 9, 10, 11] as const),
      descending: d.chance(0.85),
      ranges: {},
    };
    const parts: (Partial<InfluencerQuery> & { ranges?: Ranges })[] = [];
    for (let k = d.int(0, 2); k > 0; k--)
      switch (d.int(0, 4)) {
        case 0:
          parts.push({ ranges: { total_sale_gmv_30d_amt: { min: d.pick([0.01, 100, 1000, 10_000]) } } });
          break;
        case 1:
          parts.push({
            ranges: {
              total_followers_30d_cnt: d.chance(0.3) ? { max: -1 } : { min: d.pick([100, 1000, 10_000]) },
            },
          });
          break;
        case 2:
          parts.push({ ranges: { ec_score: { min: d.pick([1, 2.5, 4]) } } });
          break;
        case 3:
          parts.push({ hasContactEmail: 1 });
          break;
        default:
          parts.push(filter(d, q.region));
      }
    out.push({
      kind: parts.length === 0 ? 'commerce sort' : 'commerce sort + filters',
      query: combine(q, parts),
    });
  }
  return out;
}

// Keyword words as users type them: names, handle parts and signature words of the synthetic snapshot, whole
// or cut to a prefix, in any case and with or without accents (folded: keywordWords).
const KEYWORD_WORDS = ['emma', 'léa', 'chloe', 'zoé', 'ines', 'jose', 'sofia', 'mia', 'noah', 'luna', 'kai',
  'joão', 'bjorn', 'omer', 'linh', 'minh', 'siti', 'putri', 'nattapong', 'maría', 'camila', 'lukas', 'hannah',
  'dubois', 'martin', 'garcía', 'lopez', 'silva', 'nguyen', 'tran', 'kim', 'smith', 'müller', 'schmidt',
  'wijaya', 'reyes', 'hernandez', 'rossi', 'kowalski', 'chen', 'wong', 'rahman', 'pereira', 'glow', 'skin',
  'skincare', 'beauty', 'beauté', 'vlogs', 'collabs', 'cooking', 'gamer', 'fitness', 'coach', 'recettes', 'café',
  'travel', 'maquillaje', 'moda', 'tech', 'reviews', 'unboxing', 'pet', 'book', 'dance', 'resep', 'makeup',
  'routine', 'décor', 'budget', 'fashion', 'mom', 'street', 'food', 'outfit', 'business']; // prettier-ignore

/** The keyword mix: one to three words (whole, or a prefix of 2+ letters), alone or with filters and a sort,
 *  pages 1–5. `keywordWords` folds and splits them as the API does. */
export function keywordMix(
  seed: number,
  keywordWords: (keyword: string) => string[],
  count = 120,
): BenchQuery[] {
  const d = new Draw(seed ^ 0x2545f491);
  const out: BenchQuery[] = [];
  for (let i = 0; i < count; i++) {
    const words = Array.from({ length: d.int(1, 3) }, () => {
      const w = d.pick(KEYWORD_WORDS);
      const cut = d.chance(0.4) ? [...w].slice(0, d.int(2, Math.max(2, [...w].length - 1))).join('') : w;
      return d.chance(0.2) ? cut.toUpperCase() : cut;
    });
    const q = baseQuery(d, d.int(1, 5));
    const parts = Array.from({ length: d.chance(0.5) ? d.int(1, 2) : 0 }, () => filter(d, q.region));
    const withKeyword = { ...combine(q, parts), keyword: keywordWords(words.join(' ')) };
    out.push({
      kind: `keyword: ${words.length} word${words.length > 1 ? 's' : ''}${parts.length ? ' + filters' : ''}`,
      query: withKeyword,
    });
  }
  return out;
}

/** Very common prefixes (one or two letters): the keyword index's worst case, dense matches. */
export function keywordWorstMix(
  seed: number,
  keywordWords: (keyword: string) => string[],
  count = 40,
): BenchQuery[] {
  const d = new Draw(seed ^ 0x68e31da4);
  const letters = ['a', 'e', 'm', 's', 'c', 'l', 'r', 'b', 'ma', 'co', 'be', 'lu', 'a s', 'm b'];
  return Array.from({ length: count }, () => {
    const q = baseQuery(d, d.int(1, 5));
    const parts = Array.from({ length: d.chance(0.5) ? 1 : 0 }, () => filter(d, q.region));
    return {
      kind: `keyword worst: common prefix${parts.length ? ' + filter' : ''}`,
      query: { ...combine(q, parts), keyword: keywordWords(d.pick(letters)) },
    };
  });
}
