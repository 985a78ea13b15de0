// The /docs page in a real (headless) Chromium: it renders the served OpenAPI document and its try-it form
// calls the endpoint with a key and shows the results.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { INFLUENCER_LIST_PARAMETERS } from '../../src/api/endpoints/influencer-list.ts';
import {
  SQLITE_BACKEND,
  listen,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from './support.ts';

const CHROMIUM = '/usr/bin/chromium';
// Locally a missing browser skips; in CI (.ci/run installs it) it is a failure, never a silent skip.
const missing = !existsSync(CHROMIUM);
const skip = missing ? `${CHROMIUM} is not installed` : false;
if (missing && process.env.CI === 'true')
  test('Chromium is installed (CI=true)', () => assert.fail(`${CHROMIUM} is missing: .ci/run installs it`));

let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  snapshot = await testSnapshot(1000, 9);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

test('/docs renders the reference and the try-it form returns influencers', { skip }, async () => {
  const { key } = await accounts.store.createKey({ name: 'browser', credits: 10, qps: 10 });
  const page = await browser.newPage();
  const outside: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url)) outside.push(r.url());
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`${server.url}/docs`);
  await page.waitForSelector('#listInfluencerAnalytics table');
  // Every parameter of the contract is documented on the page.
  const documented = await page.$$eval(
    '#listInfluencerAnalytics table:first-of-type tbody tr td:first-child code',
    (cells) => cells.map((c) => c.textContent),
  );
  assert.deepEqual(
    documented,
    INFLUENCER_LIST_PARAMETERS.map((p) => p.name),
  );
  assert.match((await page.textContent('#influencer-fields'))!, /total_likes_cnt/);

  await page.fill('#api-key', key);
  await page.fill('#region', 'us');
  await page.selectOption('#influencer_sort_field_v2', '1');
  await page.selectOption('#sort_type', '1');
  await page.fill('#page_size', '5');
  await page.click('#try-submit');
  await page.waitForSelector('#try-status.status-ok');
  assert.match(
    (await page.textContent('#try-status'))!,
    /^200 success: 5 influencers · credits remaining 9$/,
  );
  assert.equal(await page.$$eval('#try-results tbody tr', (rows) => rows.length), 5);
  const followers = await page.$$eval('#try-results tbody tr td:nth-child(5)', (cells) =>
    cells.map((c) => Number(c.textContent)),
  );
  assert.deepEqual(
    followers,
    [...followers].sort((a, b) => b - a),
    'sorted by followers, descending',
  );

  // An error is shown with its message and request id.
  await page.fill('#page_size', '50');
  await page.click('#try-submit');
  await page.waitForSelector('#try-status.status-error');
  assert.match(
    (await page.textContent('#try-status'))!,
    /^400: page_size must be an integer between 1 and 10, got "50" \(request [0-9a-f-]{36}\)$/,
  );

  assert.deepEqual(outside, [], 'the page loads nothing from elsewhere');
  assert.deepEqual(errors, []);
});
