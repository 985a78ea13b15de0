// The served OpenAPI document: the seed contract (../shared/openapi.seed.yaml, copied here so nothing
// outside the project is read at run time) with its known flaws fixed and the open points decided.
// Parameters come from the route's own parameter list and the item schema from SERVED_FIELDS, so the
// document cannot drift from what the server accepts and returns.
import { SERVED_FIELDS, type FieldType } from '../snapshot/schema.ts';
import { API_ERRORS, type ApiErrorCode } from './errors.ts';
import { INFLUENCER_LIST_PARAMETERS, INFLUENCER_LIST_PATH } from './routes/influencer-list.ts';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type OpenApiDocument = { [key: string]: Json };

/** The seed's longer explanations of some response fields, kept beside the snapshot's titles. */
const FIELD_DESCRIPTIONS: Readonly<Record<string, string>> = {
  avatar: 'If the image fails to load, download it through your own proxy; CDN links expire.',
  interaction_rate:
    'A fraction, not a percentage: 0.0532 means 5.32 %. (The seed typed it integer; it is a number.)',
  off_mark: '0 indicates not cancelled; > 0 indicates the account was cancelled or is gone.',
  sales_flag:
    '> 0 represents product sales: 1 = video sales, 2 = live streaming sales, 3 = video + live streaming, 4 = product showcase open without sales.',
  seller_id: "Linked TikTok Shop seller id; '' (never null) when none.",
  show_case_flag: '1 = enabled, 0 = disabled.',
  gender: "male or female, estimated for US accounts only; '' elsewhere.",
  influencer_video_duration_level: 'A JSON object serialized as a string.',
  influencer_video_publish_hour: 'A JSON object serialized as a string.',
  influencer_video_publish_week: 'A JSON object serialized as a string.',
  most_category_product: 'A JSON array serialized as a string.',
  most_views_video: "A JSON object serialized as a string, or '' when the account has no video.",
  total_likes_cnt: 'Served although the seed schema omitted it (its example has it).',
};

function fieldSchema(type: FieldType): { [key: string]: Json } {
  switch (type) {
    case 'int':
      return { type: 'integer', format: 'int64' };
    case 'number':
      return { type: 'number', format: 'double' };
    case 'string':
      return { type: 'string' };
    case 'string_list':
      return { type: 'array', items: { type: 'string' } };
  }
}

/** The seed's example row, with seller_id '' instead of null and interaction_rate as a fraction. */
const EXAMPLE_INFLUENCER: { [key: string]: Json } = {
  avatar: 'https://p16-sign-va.tiktokcdn.com/tos-maliva-avt-0068/77eebc91f0b5728ad38d8f0edeb567e0.jpeg',
  avg_30d_price: 0,
  category: 'Beauty',
  contact_email: '',
  ec_score: 2.62,
  first_crawl_dt: 20250816,
  gender: 'female',
  influencer_video_duration_level: '{}',
  influencer_video_publish_hour: '{}',
  influencer_video_publish_week: '{}',
  interaction_rate: 0.0532,
  language: 'en',
  most_category_product: '[]',
  most_views_video: '',
  nick_name: 'Hannah Culver',
  off_mark: 0,
  per_video_product_views_avg_7d_cnt: 0,
  region: 'US',
  sales_flag: 0,
  seller_id: '',
  show_case_flag: 0,
  signature: '',
  total_comments_cnt: 0,
  total_digg_1d_cnt: 0,
  total_digg_30d_cnt: 0,
  total_digg_7d_cnt: 0,
  total_digg_90d_cnt: 0,
  total_digg_cnt: 2,
  total_followers_1d_cnt: 0,
  total_followers_30d_cnt: 0,
  total_followers_7d_cnt: 0,
  total_followers_90d_cnt: 1,
  total_followers_cnt: 183,
  total_following_cnt: 571,
  total_likes_cnt: 0,
  total_live_cnt: 0,
  total_live_sale_gmv_30d_amt: 0,
  total_post_video_cnt: 0,
  total_product_30d_cnt: 0,
  total_product_cnt: 0,
  total_sale_cnt: 0,
  total_sale_gmv_30d_amt: 0,
  total_sale_gmv_amt: 0,
  total_shares_cnt: 0,
  total_video_product_30d_cnt: 0,
  total_video_sale_30d_cnt: 0,
  total_video_sale_gmv_30d_amt: 0,
  total_views_cnt: 0,
  unique_id: 'hannahdowns',
  user_id: '1000038',
};

const EXAMPLE_REQUEST_ID = '019ab5c2-6f3e-7a41-9c2d-5e8f0a1b2c3d'; // UUIDv7, as issued

/** The example message of each documented error status. */
const ERROR_EXAMPLES: Readonly<Record<number, { code: ApiErrorCode; message: string; description: string }>> =
  {
    400: {
      code: 'invalid_parameter',
      message: 'Missing required parameter: region',
      description:
        'A parameter is missing, malformed, out of range, unknown or repeated. The message names the parameter, e.g. "page_size must be an integer between 1 and 10, got \\"11\\"".',
    },
    401: {
      code: 'missing_api_key',
      message: API_ERRORS.missing_api_key.message,
      description: `No key ("${API_ERRORS.missing_api_key.message}"), a malformed one ("${API_ERRORS.malformed_api_key.message}"), an unknown one ("${API_ERRORS.unknown_api_key.message}") or a revoked one ("${API_ERRORS.revoked_api_key.message}"). Never charged.`,
    },
    402: {
      code: 'insufficient_credits',
      message: API_ERRORS.insufficient_credits.message,
      description: 'The key has no credit left. Never charged.',
    },
    429: {
      code: 'qps_limit_exceeded',
      message: API_ERRORS.qps_limit_exceeded.message,
      description:
        "More requests in the current second than the key's QPS limit. Retry after the Retry-After header's seconds. Never charged.",
    },
    500: {
      code: 'internal_error',
      message: API_ERRORS.internal_error.message,
      description:
        'An unexpected failure. The cause is logged under the requestId; a credit already debited is refunded.',
    },
    503: {
      code: 'not_ready',
      message: API_ERRORS.not_ready.message,
      description: 'The server has not activated its first snapshot yet (first start). Never charged.',
    },
  };

const header = (description: string, type: 'integer' | 'string'): Json => ({
  description,
  schema: { type },
});

const RATE_HEADERS: { [key: string]: Json } = {
  'X-Request-Id': header(
    'The request id (a UUIDv7), also in the body (requestId). Quote it when reporting a problem.',
    'string',
  ),
  'X-RateLimit-Limit': header("The key's QPS limit (requests per second).", 'integer'),
  'X-RateLimit-Remaining': header('Requests left in the current one-second window.', 'integer'),
  'X-RateLimit-Reset': header('Seconds until the current window resets (rounded up).', 'integer'),
  'X-Credits-Remaining': header("The key's credits left after this request.", 'integer'),
};

const DESCRIPTION = `Search and filter one region's TikTok influencers using analytics data with rich multi-dimensional metrics: follower trends, engagement rates, sales performance and history, computed from daily observations.

**Decisions on the open points of the seed contract**

- Default order (influencer_sort_field_v2 = 0): user_id, numerically, in the sort_type direction. Every other sort field breaks ties on user_id ascending, so pages never overlap or skip rows.
- interaction_rate is a fraction (0.0532 = 5.32 %), both as a response field and as a filter.
- sales_flag as a filter: 0 or absent = no restriction, 1 = sells through video (1 or 3), 2 = through live (2 or 3), 3 = both, 4 = showcase open.
- gender exists for US data only: gender with another region is a 400.
- product_category_id: one id or a comma-separated list of ids; matches influencers with products in any of them.
- page_num and page_size default to 1 and 10 (the seed marked them required but gave defaults).

**Validation.** Integers are plain decimal digits ("1.5", "1e3", " 1", "-1" and values above 2^53 are rejected); counts are ≥ 0; min_X must not exceed max_X; an empty value is the same as an absent parameter; unknown parameters and repeated parameters are rejected. Every violation is a 400 whose message names the parameter.

**Keys, credits and limits.** Send \`Authorization: Bearer sk_live_…\`. Each 200 costs one credit, debited durably before the response is sent; errors are never charged, and a request that fails after its debit is refunded. Checks run in this order: 401 (key) → 429 (QPS) → 400 (parameters) → 503 (no data yet) → 402 (credits) → 200. Responses after authentication carry X-Credits-Remaining and X-RateLimit-Limit / -Remaining / -Reset.`;

export function openApiDocument(publicUrl: string): OpenApiDocument {
  const item: Json = {
    type: 'object',
    required: SERVED_FIELDS.map((f) => f.name),
    properties: Object.fromEntries(
      SERVED_FIELDS.map((f) => {
        const schema: { [key: string]: Json } = { ...fieldSchema(f.type), title: f.title };
        const description = FIELD_DESCRIPTIONS[f.name];
        if (description) schema.description = description;
        return [f.name, schema];
      }),
    ),
  };
  const errors: { [key: string]: Json } = {};
  for (const [status, e] of Object.entries(ERROR_EXAMPLES)) {
    errors[status] = {
      description: e.description,
      headers: { 'X-Request-Id': RATE_HEADERS['X-Request-Id']! },
      content: {
        'application/json': {
          schema: { $ref: '#/components/schemas/ErrorEnvelope' },
          example: { code: Number(status), data: null, message: e.message, requestId: EXAMPLE_REQUEST_ID },
        },
      },
    };
  }
  const exampleUrl = `${publicUrl}${INFLUENCER_LIST_PATH}?region=US&influencer_sort_field_v2=2&sort_type=1&min_total_followers_cnt=50000&max_total_followers_cnt=500000&min_interaction_rate=0.05&sales_flag=1&page_num=1&page_size=10`;
  return {
    openapi: '3.0.3',
    info: {
      title: 'Kolscope TikTok influencer analytics API',
      description:
        'Self-hosted TikTok influencer analytics: the interface, its parameters, response statuses and sample structures.',
      version: '1.0.0',
    },
    servers: [{ url: publicUrl, description: 'This Kolscope server' }],
    tags: [{ name: 'TikTok Influencer' }, { name: 'Service' }],
    paths: {
      [INFLUENCER_LIST_PATH]: {
        get: {
          tags: ['TikTok Influencer'],
          summary: 'Influencer List (Analytics)',
          description: DESCRIPTION,
          operationId: 'listInfluencerAnalytics',
          security: [{ bearerAuth: [] }],
          parameters: INFLUENCER_LIST_PARAMETERS.map((p) => ({
            name: p.name,
            in: 'query',
            required: p.required,
            description: p.description,
            schema: p.schema as unknown as Json,
          })),
          responses: {
            '200': {
              description:
                'Success: one page of influencers (an empty array past the last page). Costs one credit.',
              headers: RATE_HEADERS,
              content: {
                'application/json': {
                  schema: { $ref: '#/components/schemas/InfluencerListResponse' },
                  example: {
                    code: 0,
                    message: 'success',
                    data: [EXAMPLE_INFLUENCER],
                    requestId: EXAMPLE_REQUEST_ID,
                  },
                },
              },
            },
            ...errors,
          },
          'x-codeSamples': [
            {
              lang: 'curl',
              label: 'cURL',
              source: `curl --get '${exampleUrl}' \\\n  --header 'Authorization: Bearer <YOUR_API_KEY>'`,
            },
            {
              lang: 'javascript',
              label: 'JavaScript',
              source: `const response = await fetch('${exampleUrl}', {\n  headers: { Authorization: 'Bearer <YOUR_API_KEY>' },\n});\nconsole.log(await response.json());`,
            },
          ],
        },
      },
      '/healthz': {
        get: {
          tags: ['Service'],
          summary: 'Health and the snapshot served',
          operationId: 'health',
          responses: {
            '200': {
              description: 'A snapshot is served',
              content: {
                'application/json': {
                  example: {
                    code: 0,
                    message: 'success',
                    data: {
                      status: 'ok',
                      snapshot: { version: '2026-11-24.1', asOf: '2026-11-24', regions: ['US'] },
                    },
                    requestId: EXAMPLE_REQUEST_ID,
                  },
                },
              },
            },
            '503': errors['503']!,
          },
        },
      },
    },
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          description:
            'API key: `sk_live_` followed by 28 letters and digits. Created by the operator (`kolscope keys create`); only its hash is stored.',
        },
      },
      schemas: {
        Influencer: item,
        InfluencerListResponse: {
          type: 'object',
          required: ['code', 'message', 'data', 'requestId'],
          properties: {
            code: { type: 'integer', description: '0 on success' },
            message: { type: 'string', example: 'success' },
            data: { type: 'array', items: { $ref: '#/components/schemas/Influencer' } },
            requestId: { type: 'string', format: 'uuid' },
          },
        },
        ErrorEnvelope: {
          type: 'object',
          required: ['code', 'message', 'data', 'requestId'],
          properties: {
            code: { type: 'integer', description: 'The HTTP status (400, 401, 402, 404, 429, 500, 503)' },
            message: { type: 'string', description: 'What went wrong; for a 400, names the parameter' },
            data: { type: 'object', nullable: true, description: 'Always null' },
            requestId: { type: 'string', format: 'uuid' },
          },
        },
      },
    },
  };
}
