// The choices of the search panel. The one place that knows where they come from: with a key, the
// vocabulary endpoints (/v1/tiktok/meta/*: free, values present in the served snapshot, with counts);
// before a key is entered, the shipped reference (src/snapshot/taxonomy.json) and the regions of /healthz.
import reference from '../../src/snapshot/taxonomy.json';
import { ApiFailure, fetchMeta, storedKey } from './api.ts';

export interface Choice {
  readonly value: string;
  readonly label?: string;
}

export interface Vocabularies {
  /** Region codes served, with their influencer counts when known. */
  readonly regions: readonly { readonly code: string; readonly count?: number }[];
  readonly categories: readonly Choice[];
  readonly productCategories: readonly { readonly id: string; readonly name: string }[];
  /** Language choices of a region (from the API with a key, a fixed list without). */
  readonly languages: (region: string) => Promise<readonly Choice[]>;
  /** Where they came from: 'api' after a key was entered, 'reference' before. */
  readonly source: 'api' | 'reference';
}

const LANGUAGE_CODES = [
  'en',
  'es',
  'pt',
  'id',
  'th',
  'vi',
  'ms',
  'tl',
  'de',
  'fr',
  'it',
  'ja',
  'ar',
  'ko',
  'zh',
];
const languageNames = new Intl.DisplayNames(['en'], { type: 'language' });
const languageName = (code: string): string => {
  try {
    return languageNames.of(code) ?? code;
  } catch {
    return code;
  }
};
const counted = (text: string, count: number) => `${text} (${count.toLocaleString('en-US')})`;

async function servedRegions(): Promise<string[] | null> {
  try {
    const response = await fetch('/healthz');
    const body = (await response.json()) as { snapshot?: { regions?: string[] } };
    return body.snapshot?.regions ?? null;
  } catch {
    return null;
  }
}

async function fromReference(): Promise<Vocabularies> {
  const regions = (await servedRegions()) ?? reference.regions_seen;
  const languages = LANGUAGE_CODES.map((code) => ({ value: code, label: languageName(code) }));
  return {
    regions: regions.map((code) => ({ code })),
    categories: reference.influencer_categories.map((value) => ({ value })),
    productCategories: reference.product_categories,
    languages: () => Promise.resolve(languages),
    source: 'reference',
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * One vocabulary, waiting out a 429 (the calls are free but QPS-limited: a key of 1 request per second
 * must not lose its search to them), at most 3 times.
 */
async function meta<T>(name: string, params?: URLSearchParams): Promise<T[]> {
  for (let attempt = 0; ; attempt++)
    try {
      return await fetchMeta<T>(name, params);
    } catch (error) {
      if (!(error instanceof ApiFailure && error.status === 429 && attempt < 3)) throw error;
      await sleep((error.retryAfter ?? 1) * 1000);
    }
}

async function fromApi(): Promise<Vocabularies> {
  // One after the other, not at once: a low QPS limit then waits instead of failing.
  const regions = await meta<{ region: string; influencers: number }>('regions');
  const categories = await meta<{ name: string; influencers: number }>('categories');
  const products = await meta<{ id: string; name: string; influencers: number }>('product-categories');
  const languages = new Map<string, Promise<readonly Choice[]>>();
  return {
    regions: regions.map((r) => ({ code: r.region, count: r.influencers })),
    categories: categories.map((c) => ({ value: c.name, label: counted(c.name, c.influencers) })),
    productCategories: products.map((p) => ({ id: String(p.id), name: p.name })),
    languages: (region) => {
      let found = languages.get(region);
      if (!found) {
        found = meta<{ code: string; influencers: number }>('languages', new URLSearchParams({ region }))
          .then((rows) =>
            rows.map((l) => ({ value: l.code, label: counted(languageName(l.code), l.influencers) })),
          )
          .catch(() => []);
        languages.set(region, found);
      }
      return found;
    },
    source: 'api',
  };
}

/**
 * The choices: from the API when a key is stored (falling back to the reference if it fails); with
 * `reference: true`, the reference at once (the first paint does not wait for the API).
 */
export async function loadVocabularies(options: { reference?: boolean } = {}): Promise<Vocabularies> {
  if (storedKey() && !options.reference)
    try {
      return await fromApi();
    } catch {
      // a wrong key or an API without the vocabularies: the reference still lets a person search
    }
  return fromReference();
}
