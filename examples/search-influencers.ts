// Calling the Kolscope API from TypeScript with types generated from /openapi.json (npm run client:types).
// Run: KOLSCOPE_API_KEY=sk_live_… npx tsx examples/search-influencers.ts
import createClient from 'openapi-fetch';
import type { paths } from './kolscope-api.js';

const kolscope = createClient<paths>({
  baseUrl: process.env.KOLSCOPE_URL ?? 'http://127.0.0.1:8080',
  headers: { Authorization: `Bearer ${process.env.KOLSCOPE_API_KEY}` },
});
const query = {
  region: 'US',
  influencer_sort_field_v2: 1,
  sort_type: 1,
  min_interaction_rate: 0.05,
} as const;
const { data, error } = await kolscope.GET('/v1/tiktok/influencer/list/analytics', { params: { query } });
if (error) throw new Error(`${error.code}: ${error.message}`);
for (const creator of data.data)
  console.log(creator.nick_name, creator.total_followers_cnt, creator.interaction_rate);
