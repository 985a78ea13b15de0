// The taxonomy a snapshot's values come from: creator categories (the `category` field) and TikTok Shop
// top-level product categories with their ids (`product_category_ids`). taxonomy.json is a copy of the shared
// reference (../shared/reference/categories.json), shipped with the code so nothing reads ../shared at run
// time. The raw format, the pipeline, the index and the API's vocabularies all name categories from here.
import { readFileSync } from 'node:fs';

interface TaxonomyFile {
  influencer_categories: string[];
  product_categories: { id: string; name: string }[];
  regions_seen: string[];
}

function loadTaxonomy(): TaxonomyFile {
  const path = new URL('./taxonomy.json', import.meta.url);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<TaxonomyFile>;
  if (
    !Array.isArray(parsed.influencer_categories) ||
    !Array.isArray(parsed.product_categories) ||
    !Array.isArray(parsed.regions_seen)
  )
    throw new Error(`${path.pathname}: expected influencer_categories, product_categories and regions_seen`);
  return parsed as TaxonomyFile;
}

const file = loadTaxonomy();

/** Creator category names (profiles.category), in reference order. */
export const CREATOR_CATEGORIES: readonly string[] = file.influencer_categories;

export interface ProductCategory {
  readonly id: string;
  readonly name: string;
}

/** Top-level TikTok Shop product categories (products.product_category_id), in reference order. */
export const PRODUCT_CATEGORIES: readonly ProductCategory[] = file.product_categories;

/** Region codes seen in real crawls. */
export const REGIONS_SEEN: readonly string[] = file.regions_seen;
