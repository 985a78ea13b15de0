// `kolscope mcp`: a Model Context Protocol server over stdio whose tools (./tools) answer through the
// Kolscope HTTP API with one API key. stdout carries the protocol only; nothing else may write to it.
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createApiClient, type ApiClientConfig } from './api-client.ts';
import type { DeclaredEndpoint, McpTool, ToolResult } from './tool.ts';
import { mcpTools } from './tools/index.ts';

export function createMcpServer(config: ApiClientConfig, tools: readonly McpTool[]): Server {
  const api = createApiClient(config);
  const byName = new Map(tools.map((t) => [t.name, t]));
  const server = new Server({ name: 'kolscope', version: '0.1.0' }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: tools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      inputSchema: t.inputSchema,
    })),
  }));
  server.setRequestHandler(CallToolRequestSchema, async (request): Promise<ToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool)
      return { isError: true, content: [{ type: 'text', text: `unknown tool ${request.params.name}` }] };
    try {
      return await tool.call(request.params.arguments ?? {}, api);
    } catch (error) {
      // The server could not be reached (or timed out): a tool error the agent can act on.
      const cause = error instanceof Error ? error.message : String(error);
      return {
        isError: true,
        content: [{ type: 'text', text: `the Kolscope API at ${config.url} did not answer: ${cause}` }],
      };
    }
  });
  return server;
}

/** Serves the tools on stdin/stdout until stdin closes. */
export async function runMcpStdio(
  config: ApiClientConfig,
  endpoints: readonly DeclaredEndpoint[],
): Promise<void> {
  const server = createMcpServer(config, mcpTools(endpoints));
  await server.connect(new StdioServerTransport());
}
