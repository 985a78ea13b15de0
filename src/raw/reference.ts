// Reference vocabularies (creator categories, TikTok Shop product categories with ids, regions: from the
// snapshot's taxonomy) and the weights that shape the generated data; they are not part of the raw format.
export {
  CREATOR_CATEGORIES,
  PRODUCT_CATEGORIES,
  REGIONS_SEEN,
  type ProductCategory,
} from '../snapshot/taxonomy.ts';

export interface RegionProfile {
  readonly code: string;
  /** Share of influencers (weights, normalised by the generator). */
  readonly weight: number;
  /** Typical UTC offset in hours, for local publish-time peaks. */
  readonly utcOffset: number;
  /** Languages spoken by creators of the region, with weights. */
  readonly languages: readonly (readonly [string, number])[];
}

/** Regions the generator draws from: the US largest, then South-East Asia, GB, Latin America, … */
export const GENERATED_REGIONS: readonly RegionProfile[] = [
  {
    code: 'US',
    weight: 37,
    utcOffset: -6,
    languages: [
      ['en', 90],
      ['es', 8],
      ['zh', 2],
    ],
  },
  {
    code: 'ID',
    weight: 12,
    utcOffset: 7,
    languages: [
      ['id', 92],
      ['en', 6],
      ['jv', 2],
    ],
  },
  {
    code: 'GB',
    weight: 8,
    utcOffset: 0,
    languages: [
      ['en', 95],
      ['pl', 3],
      ['ur', 2],
    ],
  },
  {
    code: 'MX',
    weight: 7,
    utcOffset: -6,
    languages: [
      ['es', 97],
      ['en', 3],
    ],
  },
  {
    code: 'BR',
    weight: 7,
    utcOffset: -3,
    languages: [
      ['pt', 98],
      ['en', 2],
    ],
  },
  {
    code: 'TH',
    weight: 6,
    utcOffset: 7,
    languages: [
      ['th', 95],
      ['en', 5],
    ],
  },
  {
    code: 'VN',
    weight: 6,
    utcOffset: 7,
    languages: [
      ['vi', 97],
      ['en', 3],
    ],
  },
  {
    code: 'PH',
    weight: 5,
    utcOffset: 8,
    languages: [
      ['en', 55],
      ['tl', 45],
    ],
  },
  {
    code: 'MY',
    weight: 4,
    utcOffset: 8,
    languages: [
      ['ms', 60],
      ['en', 25],
      ['zh', 15],
    ],
  },
  {
    code: 'SA',
    weight: 3,
    utcOffset: 3,
    languages: [
      ['ar', 90],
      ['en', 10],
    ],
  },
  {
    code: 'DE',
    weight: 2,
    utcOffset: 1,
    languages: [
      ['de', 93],
      ['en', 4],
      ['tr', 3],
    ],
  },
  {
    code: 'SG',
    weight: 1.5,
    utcOffset: 8,
    languages: [
      ['en', 75],
      ['zh', 25],
    ],
  },
  {
    code: 'FR',
    weight: 0.8,
    utcOffset: 1,
    languages: [
      ['fr', 95],
      ['en', 5],
    ],
  },
  {
    code: 'JP',
    weight: 0.7,
    utcOffset: 9,
    languages: [
      ['ja', 98],
      ['en', 2],
    ],
  },
];

/** Creator category weights and the product category their sellers mostly sell (by product category id). */
export const CREATOR_CATEGORY_PROFILE: Readonly<Record<string, readonly [number, string]>> = {
  Beauty: [10, '601450'],
  'Shopping & Retail': [6, '600001'],
  'Life Style': [12, '600001'],
  'Health & Wellness': [4, '700645'],
  'Clothing & Accessories': [7, '601152'],
  Baby: [3, '602284'],
  'Food & Beverage': [5, '700437'],
  'Food & Cooking': [5, '600024'],
  'Travel & Tourism': [3, '824584'],
  'Home, Furniture & Appliances': [4, '604453'],
  'Music & Dance': [7, '601739'],
  'Education & Training': [3, '801928'],
  'Sports, Fitness & Outdoors': [4, '603014'],
  'Animals & Nature': [1.5, '602118'],
  Pets: [2.5, '602118'],
  Gaming: [5, '601755'],
  'Media & Entertainment': [6, '601739'],
  'Art & Crafts': [2, '951432'],
  'Finance & Investing': [1.5, '834312'],
  'Machinery & Equipment': [0.5, '604579'],
  'Live Streaming Guild': [0.5, '601450'],
  'Government Affairs': [0.2, '801928'],
  'Real Estate': [0.7, '604968'],
  MCN: [0.3, '601152'],
  Other: [2, '600001'],
  NGO: [0.2, '801928'],
  'Public Administration': [0.2, '801928'],
  'Professional Services': [0.7, '834312'],
  'IT & High-Tech': [1, '601739'],
  'Software & Apps': [0.7, '834312'],
  'Public Figure': [1, '605248'],
  'Restaurants & Bars': [1.2, '2344592'],
  'Automotive & Transportation': [1.5, '605196'],
  'Personal Blog': [2.5, '605248'],
  Brand: [1.5, '601450'],
};

/** Product category weights (share of the catalogue) and median list price in USD, by id. */
export const PRODUCT_CATEGORY_PROFILE: Readonly<Record<string, readonly [number, number]>> = {
  '601450': [14, 15],
  '601152': [12, 22],
  '824328': [5, 25],
  '600001': [9, 14],
  '605248': [6, 12],
  '601739': [6, 30],
  '601303': [1.5, 25],
  '824584': [2, 35],
  '601352': [3, 40],
  '602284': [3, 18],
  '600024': [4, 16],
  '603014': [3, 25],
  '700437': [5, 10],
  '601755': [2, 45],
  '604206': [3, 15],
  '802184': [2, 15],
  '605196': [1.5, 20],
  '602118': [2, 14],
  '600942': [2, 60],
  '600154': [1.5, 25],
  '604968': [1.5, 22],
  '604579': [1.5, 20],
  '801928': [1, 12],
  '700645': [3, 20],
  '953224': [2, 18],
  '604453': [1, 80],
  '951432': [1, 25],
  '834312': [0.5, 10],
  '856720': [0.5, 60],
  '2344592': [0.3, 30],
};
