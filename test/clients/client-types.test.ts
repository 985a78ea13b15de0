// The committed client types (examples/kolscope-api.d.ts, used by the README's example and typechecked with
// it) are what openapi-typescript makes of the /openapi.json a server serves: regenerate them with
// `npm run client:types` when the contract changes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CLIENT_TYPES_FILE, clientTypes } from '../../scripts/client-types.ts';
import {
  SQLITE_BACKEND,
  listen,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from '../api/support.ts';

let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;

before(async () => {
  snapshot = await testSnapshot(50, 3);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
});

after(async () => {
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

test('examples/kolscope-api.d.ts is up to date with the served /openapi.json', async () => {
  const served = (await (await fetch(`${server.url}/openapi.json`)).json()) as object;
  const committed = readFileSync(CLIENT_TYPES_FILE, 'utf8');
  assert.ok(committed.includes('"/v1/tiktok/influencer/list/analytics"'));
  assert.equal(committed, await clientTypes(served), 'stale: run npm run client:types');
});
