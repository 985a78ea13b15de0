// The influencer item as the API serves it (list and detail): its OpenAPI schema, built from the snapshot's
// served fields (src/snapshot/schema.ts) so it cannot drift from what is returned, and the seed's example.
import { SERVED_FIELDS, type FieldType } from '../snapshot/schema.ts';
import type { Json } from './endpoint.ts';

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
export const INFLUENCER_EXAMPLE: { [key: string]: Json } = {
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
  per_views_avg_cnt: 0,
  total_views_7d_cnt: 0,
  per_video_product_views_avg_cnt: 0,
  product_category_ids: [],
};

/** The OpenAPI schema of one served influencer. */
export const INFLUENCER_SCHEMA: Json = {
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
