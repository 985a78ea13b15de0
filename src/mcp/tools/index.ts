// Every MCP tool, in the order tools/list shows them: one per API endpoint (endpoint-tool.ts), named for
// what an agent does with it. An endpoint without a name here gets its operationId in snake_case.
import type { DeclaredEndpoint, McpTool } from '../tool.ts';
import { endpointTool, type ToolNaming } from './endpoint-tool.ts';

const NAMING: Readonly<Record<string, ToolNaming>> = {
  listInfluencerAnalytics: {
    name: 'search_influencers',
    title: 'Search TikTok influencers',
    resultKey: 'influencers',
  },
  getInfluencerDetail: {
    name: 'get_creators',
    title: 'Get creators by id or handle',
    resultKey: 'influencers',
  },
  getInfluencerTrend: { name: 'get_history', title: 'Daily history of a creator', resultKey: 'days' },
  listRegions: { name: 'list_regions', title: 'Regions served', resultKey: 'regions' },
  listCategories: { name: 'list_categories', title: 'Creator categories', resultKey: 'categories' },
  listProductCategories: {
    name: 'list_product_categories',
    title: 'TikTok Shop product categories',
    resultKey: 'product_categories',
  },
  listLanguages: { name: 'list_languages', title: 'Languages of a region', resultKey: 'languages' },
};

const snakeCase = (id: string) => id.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

export function mcpTools(endpoints: readonly DeclaredEndpoint[]): McpTool[] {
  return endpoints.map((e) =>
    endpointTool(
      e,
      NAMING[e.operationId] ?? { name: snakeCase(e.operationId), title: e.summary, resultKey: 'data' },
    ),
  );
}
