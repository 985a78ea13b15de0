// The API key, labelled "API key", kept in sessionStorage for this browser tab's session only.
import { storedKey, storeKey } from '../api.ts';
import { h } from '../dom.ts';

export function apiKeyField(): HTMLElement {
  const input = h('input', {
    id: 'api-key',
    name: 'api_key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'sk_live_…',
    value: storedKey(),
  });
  input.addEventListener('change', () => storeKey(input.value.trim()));
  input.addEventListener('input', () => storeKey(input.value.trim()));
  return h(
    'div',
    { class: 'field key' },
    h('label', { for: input.id }, 'API key'),
    input,
    h('small', { class: 'hint' }, 'Kept in this tab only (session storage).'),
  );
}
