// Every MCP tool, in the order tools/list shows them: a tool per paid endpoint, one file each, built from
// the endpoints' declarations.
import type { ApiContract, McpTool } from '../tool.ts';
import { searchInfluencers } from './search-influencers.ts';

export function mcpTools(contract: ApiContract): McpTool[] {
  return [searchInfluencers(contract.influencerList)];
}
