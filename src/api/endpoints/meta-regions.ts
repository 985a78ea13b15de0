// GET /v1/tiktok/meta/regions: the regions served, with their influencer counts. Free (authenticated and
// QPS-limited, no credit), so a client can learn the valid `region` values before paying for a search.
import type { PaidEndpoint } from '../endpoint.ts';
import { givenParameters } from '../parameters.ts';
import { vocabularyOf } from '../vocabulary.ts';

export const META_REGIONS: PaidEndpoint<null> = {
  path: '/v1/tiktok/meta/regions',
  operationId: 'listRegions',
  summary: 'Regions served',
  tag: 'Vocabularies',
  description:
    'The regions of the snapshot served, with how many influencers each has, largest first. Use them as the `region` parameter of the other endpoints.',
  parameters: [],
  credits: 0,
  exampleQuery: '',
  okDescription: 'Every region served, largest first.',
  dataSchema: {
    type: 'array',
    items: {
      type: 'object',
      required: ['region', 'influencers'],
      properties: {
        region: { type: 'string', example: 'US' },
        influencers: { type: 'integer', example: 37043 },
      },
    },
  },
  dataExample: [
    { region: 'US', influencers: 37043 },
    { region: 'GB', influencers: 9120 },
  ],
  schemas: {},
  parse(queryString) {
    givenParameters(queryString, []);
    return null;
  },
  check() {},
  answer(_ctx, index) {
    const regions = [...vocabularyOf(index).regions].sort(
      (a, b) => b.influencers - a.influencers || (a.region < b.region ? -1 : 1),
    );
    return Buffer.from(JSON.stringify(regions));
  },
};
