// A tool per API endpoint: its arguments are the endpoint's declared query parameters and its answer is the
// endpoint's `data`, so an endpoint or a filter added to the API appears here without a line of its own.
import { apiError, inputSchemaOf, queryOf, type DeclaredEndpoint, type McpTool } from '../tool.ts';

/** How a tool presents an endpoint to agents. */
export interface ToolNaming {
  readonly name: string;
  readonly title: string;
  /** The key the endpoint's `data` is returned under (e.g. "influencers"). */
  readonly resultKey: string;
}

export function endpointTool(endpoint: DeclaredEndpoint, naming: ToolNaming): McpTool {
  const cost =
    endpoint.credits === 0
      ? 'Free (no credit), but counted against the key’s QPS limit.'
      : `Costs ${endpoint.credits} credit of the configured API key per call.`;
  return {
    name: naming.name,
    title: naming.title,
    description: `${endpoint.summary} (GET ${endpoint.path}). ${endpoint.description} ${cost}`,
    inputSchema: inputSchemaOf(endpoint.parameters),
    async call(args, api) {
      const answer = await api.get(endpoint.path, queryOf(args));
      if (answer.status !== 200) return apiError(answer);
      const result: Record<string, unknown> = {
        [naming.resultKey]: answer.data,
        ...(endpoint.credits > 0 && { credits_remaining: answer.creditsRemaining ?? null }),
        ...(answer.totalCount !== undefined && { total_count: answer.totalCount }),
      };
      return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
    },
  };
}
