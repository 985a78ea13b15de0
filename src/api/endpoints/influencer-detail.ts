// GET /v1/tiktok/influencer/detail: up to 10 influencers by user_id or by handle (unique_id), across regions,
// each the list endpoint's item. The index looks them up by hash (src/index/lookup.ts), one binary search per
// region and value.
import type { PaidEndpoint } from '../endpoint.ts';
import { INFLUENCER_EXAMPLE, INFLUENCER_SCHEMA } from '../influencer-schema.ts';
import { InvalidParameter, givenParameters, idListParameter, shown, type Parameter } from '../parameters.ts';

export const INFLUENCER_DETAIL_PATH = '/v1/tiktok/influencer/detail';
/** Most values in one request (EchoTik's batch detail takes 10). */
export const DETAIL_VALUES_MAX = 10;
/** Longest handle accepted (TikTok's are at most 24 characters). */
const HANDLE_MAX_LENGTH = 100;

/** Which key and the values asked, in order, without repeats. */
export interface DetailQuery {
  readonly key: 'user_id' | 'unique_id';
  readonly values: readonly string[];
}

const userIds = idListParameter({
  name: 'user_id',
  maxIds: DETAIL_VALUES_MAX,
  description: `TikTok user id, or a comma-separated list of ids (at most ${DETAIL_VALUES_MAX}). Exactly one of user_id and unique_id.`,
  rule: `one decimal id or a comma-separated list (≤ ${DETAIL_VALUES_MAX}); exactly one of user_id and unique_id`,
  example: '7012345678901234567',
});

/** Handles: comma-separated, a leading @ dropped, compared case-insensitively (returned lower-cased). */
const handles: Parameter<readonly string[]> = {
  name: 'unique_id',
  required: false,
  description: `Handle (unique_id), or a comma-separated list of handles (at most ${DETAIL_VALUES_MAX}), case-insensitive; a leading @ is accepted. Exactly one of user_id and unique_id.`,
  schema: { type: 'string', example: '@creator.10,creator.20' },
  rule: `one handle or a comma-separated list (≤ ${DETAIL_VALUES_MAX}), case-insensitive, leading \`@\` accepted; exactly one of user_id and unique_id`,
  parse(raw) {
    const values = raw.split(',').map((s) => s.trim().replace(/^@/, '').toLowerCase());
    if (values.some((v) => v === '' || v.length > HANDLE_MAX_LENGTH))
      throw new InvalidParameter(
        'unique_id',
        `unique_id must be one handle or a comma-separated list of handles (each 1 to ${HANDLE_MAX_LENGTH} characters), got ${shown(raw)}`,
      );
    if (values.length > DETAIL_VALUES_MAX)
      throw new InvalidParameter('unique_id', `unique_id accepts at most ${DETAIL_VALUES_MAX} handles`);
    return [...new Set(values)];
  },
};

export const INFLUENCER_DETAIL_PARAMETERS: readonly Parameter[] = [userIds, handles];

export function parseDetailQuery(queryString: string): DetailQuery {
  const given = givenParameters(queryString, INFLUENCER_DETAIL_PARAMETERS);
  const ids = given.get(userIds);
  const names = given.get(handles);
  if (ids !== undefined && names !== undefined)
    throw new InvalidParameter('user_id', 'give either user_id or unique_id, not both');
  if (ids === undefined && names === undefined)
    throw new InvalidParameter('user_id', 'Missing required parameter: user_id or unique_id');
  return Object.freeze({
    key: ids !== undefined ? 'user_id' : 'unique_id',
    values: Object.freeze([...(ids ?? names!)]),
  });
}

export const INFLUENCER_DETAIL: PaidEndpoint<DetailQuery> = {
  path: INFLUENCER_DETAIL_PATH,
  operationId: 'getInfluencerDetail',
  summary: 'Influencer Detail (batch)',
  tag: 'TikTok Influencer',
  description: `Up to ${DETAIL_VALUES_MAX} influencers by user id or by handle, in any region: \`data\` is an array of items (the list endpoint's item) in the order asked; values not found are left out (an empty array when none is found). Handles are case-insensitive and may start with @; a value given twice is answered once.`,
  parameters: INFLUENCER_DETAIL_PARAMETERS,
  credits: 1,
  exampleQuery: 'unique_id=@creator.10,Creator.20',
  okDescription: 'Success: the influencers found, in the order asked. Costs one credit.',
  dataSchema: { type: 'array', items: { $ref: '#/components/schemas/Influencer' } },
  dataExample: [INFLUENCER_EXAMPLE],
  schemas: { Influencer: INFLUENCER_SCHEMA },
  parse: parseDetailQuery,
  check() {},
  answer(_ctx, index, query) {
    return Buffer.from(index.detail(query.key, query.values), 'utf8');
  },
};
