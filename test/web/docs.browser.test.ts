// /docs in a real (headless) Chromium: Swagger UI, bundled and served by the app, renders the served
// /openapi.json with every endpoint and every parameter, and the page requests nothing from elsewhere.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { PAID_ENDPOINTS } from '../../src/api/endpoints/registry.ts';
import {
  SQLITE_BACKEND,
  listen,
  testSnapshot,
  type TestAccounts,
  type TestServer,
  type TestSnapshot,
} from '../api/support.ts';
import { SCREENSHOTS, browserSkip, ensureWebBuild, launchBrowser } from './support.ts';

const skip = browserSkip();
let snapshot: TestSnapshot;
let accounts: TestAccounts;
let server: TestServer;
let browser: Browser;

before(async () => {
  if (skip) return;
  ensureWebBuild();
  snapshot = await testSnapshot(200, 9);
  accounts = await SQLITE_BACKEND.open();
  server = await listen({ index: () => snapshot.index, accounts: accounts.store, limiter: accounts.limiter });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
  await accounts?.cleanup();
  await snapshot?.remove();
});

test(
  '/docs renders every endpoint and parameter of /openapi.json, loading nothing from elsewhere',
  { skip },
  async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const response = await page.goto(`${server.url}/docs`);
    assert.equal(response?.headers()['cache-control'], 'no-cache');
    assert.match(
      response?.headers()['content-security-policy'] ?? '',
      /default-src 'none'; script-src 'self'/,
    );

    const document = (await (await fetch(`${server.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, unknown>>;
    };
    await page.waitForSelector('.opblock-summary-path');
    const shown = await page.$$eval('.opblock-summary-path', (nodes) =>
      nodes.map((n) => n.getAttribute('data-path')),
    );
    assert.deepEqual(shown.sort(), Object.keys(document.paths).sort(), 'every path of the document is shown');

    // Every declared parameter of every paid endpoint is listed when its operation is opened.
    for (const endpoint of PAID_ENDPOINTS) {
      await page.click(`.opblock-summary-path[data-path="${endpoint.path}"]`);
      // Only this operation's parameters (the ones opened before stay open).
      const block = `.opblock:has(.opblock-summary-path[data-path="${endpoint.path}"])`;
      const cells = `${block} .parameters .parameter__name`;
      // An operation without parameters (meta/regions) says "No parameters" instead of a table.
      await page.waitForSelector(endpoint.parameters.length ? cells : `${block} .opblock-body`);
      const names = await page.$$eval(cells, (cells) => cells.map((c) => c.firstChild?.textContent?.trim()));
      assert.deepEqual(
        names,
        endpoint.parameters.map((p) => p.name),
      );
      // Closed again, so that the next endpoint's parameters are the only ones listed.
      await page.click(`.opblock-summary-path[data-path="${endpoint.path}"]`);
      await page.waitForSelector('.parameters .parameter__name', { state: 'detached' });
    }
    await page.screenshot({ path: `${SCREENSHOTS}docs-1280.png` });

    const outside = requests.filter((url) => !url.startsWith(`${server.url}/`));
    assert.deepEqual(outside, [], 'the page loads nothing from elsewhere');
    assert.ok(requests.includes(`${server.url}/openapi.json`), 'the served document is what is rendered');
    assert.deepEqual(errors, []);
  },
);
