// Shared by the browser tests: Debian's Chromium through playwright-core (a missing browser skips locally
// and fails under CI=true), the built pages (built here when dist/web is missing or stale) and the
// screenshots written under test-results/ on every run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const SCREENSHOTS = new URL('../../test-results/', import.meta.url).pathname;

/** The skip reason when Chromium is missing (locally); under CI=true a failing test is registered instead. */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM)) return false;
  if (process.env.CI === 'true')
    test('Chromium is installed (CI=true)', () => assert.fail(`${CHROMIUM} is missing: .ci/run installs it`));
  return `${CHROMIUM} is not installed`;
}

/** Builds dist/web when it is missing or older than its sources (npm install's prepare normally did it). */
export function ensureWebBuild(): void {
  const root = new URL('../../', import.meta.url).pathname;
  const result = spawnSync(process.execPath, ['scripts/build-web.mjs', '--if-stale'], {
    cwd: root,
    stdio: 'inherit',
    timeout: 300_000,
  });
  assert.equal(result.status, 0, 'the web build failed');
}

export async function launchBrowser(): Promise<Browser> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}
