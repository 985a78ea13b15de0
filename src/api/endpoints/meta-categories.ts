// GET /v1/tiktok/meta/categories: the creator category names an influencer_category_name can match, with
// their influencer counts. Free.
import type { PaidEndpoint } from '../endpoint.ts';
import { givenParameters } from '../parameters.ts';
import { vocabularyOf } from '../vocabulary.ts';
import { checkRegionServed, metaRegion } from './meta-region-parameter.ts';

const region = metaRegion(false);

export const META_CATEGORIES: PaidEndpoint<string | undefined> = {
  path: '/v1/tiktok/meta/categories',
  operationId: 'listCategories',
  summary: 'Creator categories',
  tag: 'Vocabularies',
  description:
    'The creator categories present in the snapshot (valid values of `influencer_category_name`), with how many influencers each has, most frequent first; in one region, or over all.',
  parameters: [region],
  credits: 0,
  exampleQuery: 'region=US',
  okDescription: 'Every category with influencers, most frequent first.',
  dataSchema: {
    type: 'array',
    items: {
      type: 'object',
      required: ['name', 'influencers'],
      properties: {
        name: { type: 'string', example: 'Beauty' },
        influencers: { type: 'integer', example: 4210 },
      },
    },
  },
  dataExample: [
    { name: 'Beauty', influencers: 4210 },
    { name: 'Home, Furniture & Appliances', influencers: 1533 },
  ],
  schemas: {},
  parse: (queryString) => givenParameters(queryString, [region]).get(region),
  check: checkRegionServed,
  answer: (_ctx, index, r) => Buffer.from(JSON.stringify(vocabularyOf(index).categories(r))),
};
