// GET /v1/tiktok/meta/product-categories: TikTok Shop product categories (id and name) a product_category_id
// can match, with how many influencers promoted or sold in each. Free.
import type { PaidEndpoint } from '../endpoint.ts';
import { givenParameters } from '../parameters.ts';
import { vocabularyOf } from '../vocabulary.ts';
import { checkRegionServed, metaRegion } from './meta-region-parameter.ts';

const region = metaRegion(false);

export const META_PRODUCT_CATEGORIES: PaidEndpoint<string | undefined> = {
  path: '/v1/tiktok/meta/product-categories',
  operationId: 'listProductCategories',
  summary: 'Product categories',
  tag: 'Vocabularies',
  description:
    'The TikTok Shop top-level product categories present in the snapshot (valid values of `product_category_id`), with their names and how many influencers promoted or sold products in each, most frequent first; in one region, or over all.',
  parameters: [region],
  credits: 0,
  exampleQuery: '',
  okDescription: 'Every product category with influencers, most frequent first.',
  dataSchema: {
    type: 'array',
    items: {
      type: 'object',
      required: ['id', 'name', 'influencers'],
      properties: {
        id: { type: 'string', example: '601450' },
        name: { type: 'string', example: 'Beauty & Personal Care' },
        influencers: { type: 'integer', example: 812 },
      },
    },
  },
  dataExample: [{ id: '601450', name: 'Beauty & Personal Care', influencers: 812 }],
  schemas: {},
  parse: (queryString) => givenParameters(queryString, [region]).get(region),
  check: checkRegionServed,
  answer: (_ctx, index, r) => Buffer.from(JSON.stringify(vocabularyOf(index).productCategories(r))),
};
