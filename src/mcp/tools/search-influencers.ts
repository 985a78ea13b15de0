// search_influencers: GET /v1/tiktok/influencer/list/analytics. Its arguments are the endpoint's declared
// parameters (INFLUENCER_LIST.parameters), so a filter added to the contract appears here untouched.
import { apiError, inputSchemaOf, queryOf, type DeclaredEndpoint, type McpTool } from '../tool.ts';

export const searchInfluencers = (INFLUENCER_LIST: DeclaredEndpoint): McpTool => ({
  name: 'search_influencers',
  title: 'Search TikTok influencers',
  description: `Search, filter, sort and page one region's TikTok influencers (${INFLUENCER_LIST.path}). Returns one page of up to 10 influencers with their analytics (followers and growth, interaction rate as a fraction, views, GMV, sales channel, distributions as JSON strings). Costs ${INFLUENCER_LIST.credits} credit of the configured API key per call.`,
  inputSchema: inputSchemaOf(INFLUENCER_LIST.parameters),
  async call(args, api) {
    const answer = await api.get(INFLUENCER_LIST.path, queryOf(args));
    if (answer.status !== 200) return apiError(answer);
    const influencers = Array.isArray(answer.data) ? answer.data : [];
    const result = { influencers, credits_remaining: answer.creditsRemaining ?? null };
    return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
  },
});
