// The choices of the search panel. The one place that knows where they come from: today the shipped
// reference (src/snapshot/taxonomy.json) and the regions /healthz reports; when the vocabulary endpoints
// (/v1/tiktok/meta/*) exist, this module switches to them and nothing else changes.
import reference from '../../src/snapshot/taxonomy.json';

export interface Vocabularies {
  /** Region codes served, with their influencer counts when known. */
  readonly regions: readonly { readonly code: string; readonly count?: number }[];
  readonly categories: readonly string[];
  readonly productCategories: readonly { readonly id: string; readonly name: string }[];
  readonly languages: readonly { readonly code: string; readonly name: string }[];
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

async function servedRegions(): Promise<string[] | null> {
  try {
    const response = await fetch('/healthz');
    const body = (await response.json()) as { snapshot?: { regions?: string[] } };
    return body.snapshot?.regions ?? null;
  } catch {
    return null;
  }
}

export async function loadVocabularies(): Promise<Vocabularies> {
  const regions = (await servedRegions()) ?? reference.regions_seen;
  const names = new Intl.DisplayNames(['en'], { type: 'language' });
  return {
    regions: regions.map((code) => ({ code })),
    categories: reference.influencer_categories,
    productCategories: reference.product_categories,
    languages: LANGUAGE_CODES.map((code) => ({ code, name: names.of(code) ?? code })),
  };
}
