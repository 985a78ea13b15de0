// The search panel: one control per filter of the list endpoint, the sort, and the "Search" button.
// Gender exists for US data only, so it is enabled only while the region is US.
import { h } from '../dom.ts';
import { RANGE_FILTERS, SORTS } from '../query.ts';
import type { Vocabularies } from '../vocabularies.ts';
import { choiceField } from './choice-field.ts';
import type { Control } from './control.ts';
import { productCategories } from './product-categories.ts';
import { rangeField } from './range-field.ts';
import { selectField } from './select-field.ts';

const ANY = { value: '', label: 'Any' };

export function searchPanel(
  vocabularies: Vocabularies,
  search: (query: URLSearchParams) => void,
): {
  element: HTMLFormElement;
  write(query: URLSearchParams): void;
  /** Shows other choices (the API's once a key is entered), keeping what is chosen. */
  setVocabularies(next: Vocabularies): void;
} {
  const regionOptions = (v: Vocabularies) =>
    v.regions.map((r) => ({
      value: r.code,
      label: r.count === undefined ? r.code : `${r.code} (${r.count.toLocaleString('en-US')} creators)`,
    }));
  const region = selectField({
    param: 'region',
    label: 'Region',
    wide: true,
    options: regionOptions(vocabularies),
  });
  const gender = selectField({
    param: 'gender',
    label: 'Gender',
    hint: 'US only',
    options: [ANY, { value: 'female', label: 'Female' }, { value: 'male', label: 'Male' }],
  });
  const syncGender = () => {
    gender.select.disabled = region.select.value !== 'US';
    if (gender.select.disabled) gender.select.value = '';
  };
  region.select.addEventListener('change', syncGender);

  const language = choiceField({
    param: 'influencer_language',
    label: 'Language',
    placeholder: 'Any, e.g. en',
    choices: [],
  });
  // Languages are per region: the choices follow the region select.
  const syncLanguages = async () => {
    const wanted = region.select.value;
    const choices = await vocabularies.languages(wanted);
    if (region.select.value === wanted) language.setChoices(choices);
  };
  region.select.addEventListener('change', () => void syncLanguages());

  const keyword = choiceField({
    param: 'keyword',
    label: 'Search by name, handle or bio',
    placeholder: 'e.g. skincare',
    wide: true,
    search: true,
    choices: [],
  });
  const category = choiceField({
    param: 'influencer_category_name',
    label: 'Creator category',
    placeholder: 'Any category',
    wide: true,
    choices: vocabularies.categories,
  });
  const products = productCategories(vocabularies.productCategories);
  const controls: Control[] = [
    keyword,
    region,
    category,
    products,
    language,
    gender,
    selectField({
      param: 'sales_flag',
      label: 'Sales channel',
      options: [
        ANY,
        { value: '1', label: 'Sells in videos' },
        { value: '2', label: 'Sells in lives' },
        { value: '3', label: 'Sells in videos and lives' },
        { value: '4', label: 'Showcase open' },
      ],
    }),
    selectField({
      param: 'show_case_flag',
      label: 'Showcase',
      options: [ANY, { value: '1', label: 'Open' }, { value: '0', label: 'Closed' }],
    }),
    selectField({
      param: 'has_contact_email',
      label: 'Contact email',
      options: [ANY, { value: '1', label: 'Has one' }, { value: '0', label: 'Has none' }],
    }),
  ];
  const ranges = RANGE_FILTERS.map((spec) => rangeField(spec));
  const sort = [
    selectField({
      param: 'influencer_sort_field_v2',
      label: 'Sort by',
      options: SORTS.map((s) => ({ value: s.code, label: s.label })),
    }),
    selectField({
      param: 'sort_type',
      label: 'Order',
      options: [
        { value: '1', label: 'Highest first' },
        { value: '0', label: 'Lowest first' },
      ],
    }),
  ];

  // The ten ranges fold away (open when the query sets one), so the Search button stays in view.
  const moreFilters = h(
    'details',
    { class: 'more-filters' },
    h('summary', {}, 'Ranges: followers, growth, interaction rate, GMV, ec_score, views, likes'),
    h('div', { class: 'filters' }, ...ranges.map((c) => c.element)),
  );
  const button = h('button', { type: 'submit', id: 'search', class: 'primary' }, 'Search');
  const reset = h('button', { type: 'reset' }, 'Clear filters');
  const form = h(
    'form',
    {
      class: 'search-panel',
      'aria-label': 'Search creators',
      novalidate: true,
      'data-vocabularies': vocabularies.source,
    },
    h('div', { class: 'filters' }, ...controls.map((c) => c.element)),
    moreFilters,
    h('div', { class: 'sort' }, ...sort.map((c) => c.element), h('div', { class: 'actions' }, button, reset)),
  );
  const all = [...controls, ...ranges, ...sort];
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const control of all) control.read(query);
    search(query);
  });
  form.addEventListener('reset', (event) => {
    event.preventDefault();
    write(new URLSearchParams({ region: region.select.value }));
  });
  const write = (query: URLSearchParams) => {
    for (const control of all) control.write(query);
    syncGender();
    void syncLanguages();
    const anyRange = RANGE_FILTERS.some((r) => query.has(`min_${r.field}`) || query.has(`max_${r.field}`));
    if (anyRange) moreFilters.open = true;
  };
  const setVocabularies = (next: Vocabularies) => {
    vocabularies = next;
    region.setOptions(regionOptions(next));
    category.setChoices(next.categories);
    products.setCategories(next.productCategories);
    syncGender();
    void syncLanguages();
    form.dataset.vocabularies = next.source;
  };
  return { element: form, write, setVocabularies };
}
