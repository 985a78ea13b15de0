// What an MCP tool is here: a name, a description, a JSON Schema of its arguments and a call that answers
// through the HTTP API. One file per tool in ./tools, listed in ./tools/index.ts.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { ApiAnswer, ApiClient } from './api-client.ts';

/** A JSON Schema object (tool input schemas are plain JSON Schema). */
export type JsonSchema = { readonly [key: string]: unknown };

/** What a tool call answers: text content, isError for a failure the agent should see. */
export type ToolResult = CallToolResult;

export interface McpTool {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly inputSchema: JsonSchema & { readonly type: 'object' };
  call(args: Record<string, unknown>, api: ApiClient): Promise<ToolResult>;
}

/**
 * An endpoint's declaration as the tools need it: the shape of src/api's PaidEndpoint, handed in by the
 * command line (src/mcp does not import src/api: it is a client of the HTTP API).
 */
export interface DeclaredEndpoint {
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly description: string;
  readonly credits: number;
  readonly parameters: readonly {
    readonly name: string;
    readonly description: string;
    readonly required: boolean;
    /** An OpenAPI 3.0 schema of a query value (type, minimum, maximum, enum, default, pattern, example…). */
    readonly schema: object & { readonly example?: unknown };
  }[];
}

/** A tool's input schema from an endpoint's declared query parameters (names, schemas, descriptions). */
export function inputSchemaOf(parameters: DeclaredEndpoint['parameters']): McpTool['inputSchema'] {
  return {
    type: 'object',
    properties: Object.fromEntries(
      parameters.map((p) => {
        const { example, ...schema } = p.schema;
        return [
          p.name,
          { ...schema, description: p.description, ...(example !== undefined && { examples: [example] }) },
        ];
      }),
    ),
    required: parameters.filter((p) => p.required).map((p) => p.name),
    additionalProperties: false,
  };
}

/** Tool arguments as the endpoint's query string (absent and null arguments are left out). */
export function queryOf(args: Record<string, unknown>): URLSearchParams {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(args))
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  return query;
}

/** A non-200 answer as a tool error, in the API's words. */
export function apiError(answer: ApiAnswer): ToolResult {
  const retry = answer.retryAfter !== undefined ? ` Retry after ${answer.retryAfter} s.` : '';
  const request = answer.requestId ? ` (request ${answer.requestId})` : '';
  return {
    isError: true,
    content: [{ type: 'text', text: `${answer.status}: ${answer.message}${request}.${retry}` }],
  };
}
