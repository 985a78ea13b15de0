// `kolscope mcp`: the Model Context Protocol server over stdio (src/mcp). It calls a Kolscope server's HTTP
// API with KOLSCOPE_API_KEY (KOLSCOPE_URL, default http://127.0.0.1:8080), so credits and limits apply.
import type { Command } from 'commander';
import { PAID_ENDPOINTS } from '../../api/endpoints/registry.ts';
import { runMcpStdio } from '../../mcp/server.ts';

export function register(program: Command): void {
  program
    .command('mcp')
    .description(
      'serve the API as Model Context Protocol tools over stdio; KOLSCOPE_API_KEY and KOLSCOPE_URL (default http://127.0.0.1:8080) from the environment',
    )
    .action(async () => {
      const apiKey = process.env.KOLSCOPE_API_KEY?.trim();
      if (!apiKey) {
        const error = new Error('KOLSCOPE_API_KEY is not set: the MCP server calls the API with that key');
        error.name = 'UsageError';
        throw error;
      }
      const url = process.env.KOLSCOPE_URL?.trim() || 'http://127.0.0.1:8080';
      // One tool per registered endpoint, its arguments the endpoint's declared parameters (src/mcp does
      // not import src/api: the declarations are handed in here).
      await runMcpStdio({ url, apiKey }, PAID_ENDPOINTS);
    });
}
