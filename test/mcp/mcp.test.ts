// `kolscope mcp` driven by the SDK's own client over stdio (the real CLI process) against a real server:
// tools/list shows search_influencers with the list endpoint's declared parameters, a search returns the
// API's page and is charged, and a 400 comes back as a tool error in the API's words.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { INFLUENCER_LIST_PARAMETERS } from '../../src/api/endpoints/influencer-list.ts';
import { PAID_ENDPOINTS } from '../../src/api/endpoints/registry.ts';
import {
  LIST,
  SQLITE_BACKEND,
  get,
  listen,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from '../api/support.ts';

let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let client: Client;
let key: string;

before(async () => {
  snapshot = await testSnapshot(300, 5);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
  ({ key } = await accounts.store.createKey({ name: 'mcp', credits: 10, qps: 50 }));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['bin/kolscope.mjs', 'mcp'],
    cwd: new URL('../../', import.meta.url).pathname,
    env: { PATH: process.env.PATH ?? '', KOLSCOPE_URL: server.url, KOLSCOPE_API_KEY: key },
    stderr: 'inherit',
  });
  client = new Client({ name: 'kolscope-test', version: '1.0.0' });
  await client.connect(transport);
});

after(async () => {
  await client?.close();
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

test('tools/list: a tool per endpoint; search_influencers takes the list endpoint declared parameters', async () => {
  const { tools } = await client.listTools();
  assert.equal(tools.length, PAID_ENDPOINTS.length);
  assert.ok(tools.some((t) => t.name === 'list_regions'));
  assert.equal(new Set(tools.map((t) => t.name)).size, tools.length, 'names are unique');
  const search = tools.find((t) => t.name === 'search_influencers')!;
  const schema = search.inputSchema as {
    properties: Record<string, { description: string }>;
    required: string[];
  };
  assert.deepEqual(
    Object.keys(schema.properties),
    INFLUENCER_LIST_PARAMETERS.map((p) => p.name),
  );
  assert.deepEqual(schema.required, ['region']);
  for (const p of INFLUENCER_LIST_PARAMETERS)
    assert.equal(schema.properties[p.name]!.description, p.description);
});

test('search_influencers returns the API page and costs a credit of the key', async () => {
  const args = {
    region: 'us',
    influencer_sort_field_v2: 1,
    sort_type: 1,
    page_size: 5,
    min_interaction_rate: 0.01,
  };
  const result = await client.callTool({ name: 'search_influencers', arguments: args });
  assert.notEqual(result.isError, true);
  const text = (result.content as { type: string; text: string }[])[0]!.text;
  const answer = JSON.parse(text) as { influencers: { user_id: string }[]; credits_remaining: number };
  assert.equal(answer.credits_remaining, 9, 'charged through the HTTP API');
  const expected = await get(
    `${server.url}${LIST}?region=us&influencer_sort_field_v2=1&sort_type=1&page_size=5&min_interaction_rate=0.01`,
    key,
  );
  assert.equal(expected.status, 200);
  assert.equal(answer.influencers.length, 5);
  assert.deepEqual(answer.influencers, expected.body.data);
});

test('a 400 of the API is a tool error in the API words, and costs nothing', async () => {
  const before = (await get(`${server.url}${LIST}?region=US&page_size=1`, key)).headers.get(
    'x-credits-remaining',
  );
  const result = await client.callTool({
    name: 'search_influencers',
    arguments: { region: 'US', page_size: 50 },
  });
  assert.equal(result.isError, true);
  assert.match(
    (result.content as { text: string }[])[0]!.text,
    /^400: page_size must be an integer between 1 and 10, got "50" \(request [0-9a-f-]{36}\)\.$/,
  );
  const afterwards = (await get(`${server.url}${LIST}?region=US&page_size=1`, key)).headers.get(
    'x-credits-remaining',
  );
  assert.equal(Number(afterwards), Number(before) - 1, 'only the check request was charged');
});

test('list_languages answers the vocabulary of a region without charging', async () => {
  const result = await client.callTool({ name: 'list_languages', arguments: { region: 'US' } });
  assert.ok(!result.isError, JSON.stringify(result));
  const text = (result.content as { type: string; text: string }[])[0]!.text;
  const answer = JSON.parse(text) as { languages: { code: string; influencers: number }[] };
  assert.ok(answer.languages.length > 0);
  assert.ok(answer.languages.every((l) => typeof l.code === 'string' && l.influencers > 0));
});
