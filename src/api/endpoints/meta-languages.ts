// GET /v1/tiktok/meta/languages?region=R: the language codes an influencer_language can match in a region,
// with their influencer counts. Free.
import type { PaidEndpoint } from '../endpoint.ts';
import { givenParameters } from '../parameters.ts';
import { vocabularyOf } from '../vocabulary.ts';
import { checkRegionServed, metaRegion } from './meta-region-parameter.ts';

const region = metaRegion(true);

export const META_LANGUAGES: PaidEndpoint<string> = {
  path: '/v1/tiktok/meta/languages',
  operationId: 'listLanguages',
  summary: 'Languages of a region',
  tag: 'Vocabularies',
  description:
    'The language codes (ISO 639-1) of one region’s influencers (valid values of `influencer_language`), with how many influencers each has, most frequent first.',
  parameters: [region],
  credits: 0,
  exampleQuery: 'region=US',
  okDescription: 'Every language of the region, most frequent first.',
  dataSchema: {
    type: 'array',
    items: {
      type: 'object',
      required: ['code', 'influencers'],
      properties: {
        code: { type: 'string', example: 'en' },
        influencers: { type: 'integer', example: 30871 },
      },
    },
  },
  dataExample: [
    { code: 'en', influencers: 30871 },
    { code: 'es', influencers: 4102 },
  ],
  schemas: {},
  parse: (queryString) => givenParameters(queryString, [region]).get(region)!,
  check: checkRegionServed,
  answer: (_ctx, index, r) => Buffer.from(JSON.stringify(vocabularyOf(index).languages(r))),
};
