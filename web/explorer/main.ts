// The explorer (/): a creator finder over GET /v1/tiktok/influencer/list/analytics. The URL holds the
// whole query; a search reads the panel, writes the URL, fetches one page and renders it.
import './style.css';
import { ApiFailure, fetchPage, onDataAsOf, storedKey, type Influencer } from './api.ts';
import { accountStatus } from './components/account-status.ts';
import { apiKeyField } from './components/api-key.ts';
import { creatorPanel } from './components/creator-panel.ts';
import { exportCsv } from './components/export-csv.ts';
import { pager } from './components/pager.ts';
import { resultsList } from './components/results-list.ts';
import { searchPanel } from './components/search-panel.ts';
import { statusMessage } from './components/status-message.ts';
import { h } from './dom.ts';
import { formatDay, formatInteger } from './format.ts';
import { CREATOR_PARAM, listQuery, pageRequest, pushQuery, queryFromUrl } from './query.ts';
import { loadVocabularies } from './vocabularies.ts';

// The first paint shows the shipped choices; the API's replace them after the first search (its QPS first).
let vocabularies = await loadVocabularies({ reference: true });
const status = statusMessage();
const panel = creatorPanel(() => vocabularies);
// Opening a creator puts it in the URL (creator=<user_id>), so the view can be shared; closing removes it.
const results = resultsList((row: Influencer) => {
  const query = queryFromUrl();
  query.set(CREATOR_PARAM, String(row.user_id));
  pushQuery(query);
  panel.open(row);
});
panel.onClose(() => {
  const query = queryFromUrl();
  if (!query.has(CREATOR_PARAM)) return;
  query.delete(CREATOR_PARAM);
  pushQuery(query);
});
let current = { query: queryFromUrl(), total: undefined as number | undefined };
const pages = pager((pageNum) => {
  const query = new URLSearchParams(current.query);
  query.set('page_num', String(pageNum));
  void run(query);
});
const form = searchPanel(vocabularies, (query) => void run(query));
const freshness = h('p', { id: 'data-as-of', class: 'freshness' });
onDataAsOf((asOf) => {
  freshness.textContent = `Data as of ${formatDay(Number(asOf))}`;
});
const resultsSection = h(
  'section',
  { class: 'results-section', 'aria-labelledby': 'results-heading' },
  h(
    'div',
    { class: 'results-head' },
    h('h2', { id: 'results-heading' }, 'Creators'),
    exportCsv(() => current),
  ),
  h('div', { class: 'summary' }, status.element, freshness),
  results.element,
  pages.element,
);

document
  .querySelector('#app')!
  .replaceChildren(
    h(
      'header',
      { class: 'top' },
      h('h1', {}, 'Kolscope creator explorer'),
      h('nav', { 'aria-label': 'Links' }, h('a', { href: '/docs' }, 'API reference')),
    ),
    h('section', { class: 'account-bar', 'aria-label': 'Account' }, apiKeyField(), accountStatus()),
    h('main', {}, form.element, resultsSection),
    panel.element,
  );

let sequence = 0;
/** Searches the query (page_num included) and shows the page; only the latest search renders. */
async function run(query: URLSearchParams, push = true): Promise<void> {
  const pageNum = Math.max(1, Number(query.get('page_num') ?? 1) || 1);
  query = listQuery(query);
  query.delete('page_size');
  if (pageNum === 1) query.delete('page_num');
  if (push) pushQuery(query);
  current = { query, total: undefined };
  if (!storedKey()) {
    status.show('Enter your API key above, then search.', 'error');
    return;
  }
  const mine = ++sequence;
  resultsSection.setAttribute('aria-busy', 'true');

  status.show('Searching…');
  try {
    const page = await fetchPage(pageRequest(query, pageNum));
    if (mine !== sequence) return;
    current = { query, total: page.total };
    results.show(page.rows);
    pages.show(pageNum, page.rows.length, page.total);
    status.show(
      page.rows.length === 0
        ? pageNum === 1
          ? 'No creators match these filters.'
          : 'No more creators: this page is past the last one.'
        : page.total === undefined
          ? `Showing ${formatInteger((pageNum - 1) * 10 + 1)}–${formatInteger((pageNum - 1) * 10 + page.rows.length)}`
          : `${formatInteger(page.total)} ${page.total === 1 ? 'creator' : 'creators'}`,
    );
    // The time from the API's answer to the rendered page, read by the browser tests.
    results.element.dataset.renderMs = (performance.now() - page.receivedAt).toFixed(2);
  } catch (error) {
    if (mine !== sequence) return;
    results.show([]);
    pages.show(pageNum, 0);
    status.show(error instanceof ApiFailure ? error.describe() : `Request failed: ${String(error)}`, 'error');
  } finally {
    if (mine === sequence) {
      resultsSection.removeAttribute('aria-busy');
      // On a phone the results are below the search panel: bring them into view when a person searches.
      if (push && matchMedia('(max-width: 959px)').matches) resultsSection.scrollIntoView({ block: 'start' });
    }
  }
}

/** Shows the creator the URL names (through the detail endpoint), or closes the panel. */
function showCreatorOfUrl(): void {
  const userId = queryFromUrl().get(CREATOR_PARAM);
  if (userId && storedKey()) panel.openById(userId);
  else panel.close();
}

/** Loads the API's vocabularies (with a key) and shows them in the panel, keeping what is chosen. */
async function refreshVocabularies(): Promise<void> {
  if (!storedKey()) return;
  const fresh = await loadVocabularies();
  if (fresh.source !== 'api' && vocabularies.source === 'api') return;
  vocabularies = fresh;
  form.setVocabularies(fresh);
}

// The choices come from the API once a key is entered.
document.querySelector('#api-key')!.addEventListener('change', () => {
  void refreshVocabularies().then(showCreatorOfUrl);
});

form.write(current.query);
window.addEventListener('popstate', () => {
  const query = queryFromUrl();
  form.write(query);
  if (listQuery(query).toString() !== current.query.toString()) void run(query, false);
  showCreatorOfUrl();
});
if (storedKey()) {
  showCreatorOfUrl();
  void run(current.query, false).then(refreshVocabularies);
} else status.show('Enter your API key above, then choose filters and press Search.');
