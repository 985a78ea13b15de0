// GET /v1/tiktok/influencer/trend?user_id=ID&start_date=yyyymmdd&end_date=yyyymmdd: one influencer's daily
// history, one item per calendar day, oldest first; a day without an observation is crawled: false with
// no values. docs/metrics.md ("Daily history") defines each value.
import type { ServingIndex } from '../../index/types.ts';
import type { PaidEndpoint } from '../endpoint.ts';
import { ApiError } from '../errors.ts';
import { dateParameter, givenParameters, idParameter, InvalidParameter } from '../parameters.ts';

/** Longest range of one call, in days. */
export const TREND_MAX_DAYS = 180;
/** Days served when no start_date is given. */
export const TREND_DEFAULT_DAYS = 30;

const DAY_MS = 86_400_000;
const dayNumber = (date: string) => Date.parse(`${date}T00:00:00Z`) / DAY_MS;
const dayString = (day: number) => new Date(day * DAY_MS).toISOString().slice(0, 10);
const compact = (date: string) => date.replaceAll('-', '');

const userId = idParameter({
  name: 'user_id',
  required: true,
  description: 'TikTok user id of the influencer (decimal string).',
  rule: '**required**; one decimal id (1–20 digits); an id not in the snapshot is a 404 `influencer not found` (not charged)',
  example: '1000000',
});
const startDate = dateParameter({
  name: 'start_date',
  description: `First day, yyyymmdd. Default: ${TREND_DEFAULT_DAYS - 1} days before end_date (not before the first retained day).`,
  rule: `first day, \`yyyymmdd\`, on or before end_date, inside the retained days; at most ${TREND_MAX_DAYS} days with end_date`,
  example: '20261026',
});
const endDate = dateParameter({
  name: 'end_date',
  description: 'Last day, yyyymmdd. Default: the snapshot’s as-of date (X-Data-As-Of).',
  rule: 'last day, `yyyymmdd`, inside the retained days',
  example: '20261124',
});
const PARAMETERS = [userId, startDate, endDate];

export interface TrendQuery {
  readonly userId: string;
  /** YYYY-MM-DD, when given. */
  readonly start: string | undefined;
  readonly end: string | undefined;
}

/** The days a valid query covers on a snapshot: defaults resolved, every rule checked (400s name the parameter). */
function range(index: ServingIndex, query: TrendQuery): { from: string; to: string } {
  const window = index.historyWindow;
  if (window === null)
    throw new ApiError(
      'invalid_parameter',
      `start_date: snapshot ${index.version} keeps no daily history (it was built before history was kept); no day can be served`,
    );
  const to = query.end ?? window.lastDay;
  const from =
    query.start ?? dayString(Math.max(dayNumber(to) - TREND_DEFAULT_DAYS + 1, dayNumber(window.firstDay)));
  const retained = `the retained days are ${compact(window.firstDay)} to ${compact(window.lastDay)}`;
  if (query.end !== undefined && (to < window.firstDay || to > window.lastDay))
    throw new ApiError(
      'invalid_parameter',
      `end_date ${compact(to)} is outside what is retained: ${retained}`,
    );
  if (query.start !== undefined && (from < window.firstDay || from > window.lastDay))
    throw new ApiError(
      'invalid_parameter',
      `start_date ${compact(from)} is outside what is retained: ${retained}`,
    );
  if (from > to)
    throw new ApiError('invalid_parameter', `start_date ${compact(from)} is after end_date ${compact(to)}`);
  if (dayNumber(to) - dayNumber(from) + 1 > TREND_MAX_DAYS)
    throw new ApiError(
      'invalid_parameter',
      `start_date ${compact(from)} to end_date ${compact(to)} is ${dayNumber(to) - dayNumber(from) + 1} days: at most ${TREND_MAX_DAYS} per call`,
    );
  return { from, to };
}

const DAY_PROPERTIES = {
  date: { type: 'integer', description: 'The day, yyyymmdd', example: 20261124 },
  crawled: { type: 'boolean', description: 'Whether the influencer was observed that day; false: no values' },
  total_followers_cnt: { type: 'integer', description: 'Followers as observed that day', example: 15230 },
  total_following_cnt: {
    type: 'integer',
    description: 'Accounts followed as observed that day',
    example: 311,
  },
  total_digg_cnt: { type: 'integer', description: 'Likes received as observed that day', example: 402112 },
  total_post_video_cnt: {
    type: 'integer',
    description: 'Published videos as observed that day',
    example: 87,
  },
  total_views_cnt: {
    type: 'integer',
    description: 'Total video views that day: each video’s latest views on or before that day, summed',
    example: 5120331,
  },
  sale_cnt: { type: 'integer', description: 'Units sold that day (estimated)', example: 12 },
  sale_gmv_amt: { type: 'integer', description: 'GMV of that day, USD (estimated)', example: 342 },
} as const;

export const INFLUENCER_TREND: PaidEndpoint<TrendQuery> = {
  path: '/v1/tiktok/influencer/trend',
  operationId: 'getInfluencerTrend',
  summary: 'Daily history of one influencer',
  tag: 'TikTok Influencer',
  description:
    `One item per calendar day from start_date to end_date (at most ${TREND_MAX_DAYS} days; default the last ${TREND_DEFAULT_DAYS} days of the snapshot), oldest first. ` +
    'A day the influencer was not observed is `{"date": …, "crawled": false}` with no values (nothing is carried forward). ' +
    'An unknown user_id is a 404 `influencer not found`, not charged.',
  parameters: PARAMETERS,
  credits: 1,
  exampleQuery: 'user_id=1000000&start_date=20261026&end_date=20261124',
  okDescription: 'The influencer’s days, oldest first.',
  dataSchema: { type: 'array', items: { $ref: '#/components/schemas/InfluencerDay' } },
  dataExample: [
    {
      date: 20261123,
      crawled: true,
      total_followers_cnt: 15230,
      total_following_cnt: 311,
      total_digg_cnt: 402112,
      total_post_video_cnt: 87,
      total_views_cnt: 5120331,
      sale_cnt: 12,
      sale_gmv_amt: 342,
    },
    { date: 20261124, crawled: false },
  ],
  schemas: {
    InfluencerDay: {
      type: 'object',
      required: ['date', 'crawled'],
      properties: DAY_PROPERTIES,
    },
  },
  parse(queryString) {
    const given = givenParameters(queryString, PARAMETERS);
    const id = given.get(userId);
    if (id === undefined) throw new InvalidParameter('user_id', 'Missing required parameter: user_id');
    const start = given.get(startDate);
    const end = given.get(endDate);
    if (start !== undefined && end !== undefined) {
      if (start > end)
        throw new InvalidParameter(
          'start_date',
          `start_date ${compact(start)} is after end_date ${compact(end)}`,
        );
      const days = dayNumber(end) - dayNumber(start) + 1;
      if (days > TREND_MAX_DAYS)
        throw new InvalidParameter(
          'start_date',
          `start_date ${compact(start)} to end_date ${compact(end)} is ${days} days: at most ${TREND_MAX_DAYS} per call`,
        );
    }
    return Object.freeze({ userId: id, start, end });
  },
  check(index, query) {
    range(index, query);
    // Existence only: a one-day range on the first retained day stops decoding at the block's first record.
    const first = index.historyWindow!.firstDay;
    if (index.history(query.userId, first, first) === null) throw new ApiError('influencer_not_found');
  },
  answer(_ctx, index, query) {
    const { from, to } = range(index, query);
    const records = index.history(query.userId, from, to);
    if (records === null) throw new ApiError('influencer_not_found');
    const items: string[] = [];
    let next = 0;
    for (let day = dayNumber(from), last = dayNumber(to); day <= last; day++) {
      const date = compact(dayString(day));
      const r = records[next];
      if (r !== undefined && r.day === day) {
        next++;
        items.push(
          `{"date":${date},"crawled":true,"total_followers_cnt":${r.followers},"total_following_cnt":${r.following},` +
            `"total_digg_cnt":${r.digg},"total_post_video_cnt":${r.videos},"total_views_cnt":${r.views},` +
            `"sale_cnt":${r.saleCnt},"sale_gmv_amt":${r.saleGmv}}`,
        );
      } else items.push(`{"date":${date},"crawled":false}`);
    }
    return Buffer.from(`[${items.join(',')}]`);
  },
};
