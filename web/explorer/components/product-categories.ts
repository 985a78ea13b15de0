// TikTok Shop product categories: any number of them (product_category_id is a comma-separated id list,
// matching creators with products in any of them), as checkboxes in a disclosure with a filter box.
import { h, uid } from '../dom.ts';
import { setParam, type Control } from './control.ts';

const PARAM = 'product_category_id';

type Category = { readonly id: string; readonly name: string };

export function productCategories(
  categories: readonly Category[],
): Control & { setCategories(categories: readonly Category[]): void } {
  const id = uid(PARAM);
  const summary = h('summary', {}, 'Product categories: any');
  const filter = h('input', {
    id: `${id}-filter`,
    type: 'search',
    autocomplete: 'off',
    placeholder: 'Filter categories',
  });
  const checkbox = (category: Category) => {
    const box = h('input', { type: 'checkbox', id: `${id}-${category.id}`, value: category.id });
    const row = h('li', {}, box, h('label', { for: box.id }, category.name));
    box.addEventListener('change', () => showCount());
    return { box, row, name: category.name.toLowerCase() };
  };
  let boxes = categories.map(checkbox);
  const list = h('ul', { class: 'checklist' }, ...boxes.map((b) => b.row));
  const showCount = () => {
    const chosen = boxes.filter((b) => b.box.checked).length;
    summary.textContent = `Product categories: ${chosen === 0 ? 'any' : `${chosen} chosen`}`;
  };
  filter.addEventListener('input', () => {
    const text = filter.value.trim().toLowerCase();
    for (const b of boxes) b.row.hidden = text !== '' && !b.name.includes(text);
  });
  const element = h(
    'details',
    { class: 'field choices', 'data-param': PARAM },
    summary,
    h('label', { for: filter.id, class: 'visually-hidden' }, 'Filter product categories'),
    filter,
    list,
  );
  return {
    element,
    setCategories(next) {
      const chosen = new URLSearchParams();
      this.read(chosen);
      boxes = next.map(checkbox);
      list.replaceChildren(...boxes.map((b) => b.row));
      this.write(chosen);
    },
    read: (query) =>
      setParam(
        query,
        PARAM,
        boxes
          .filter((b) => b.box.checked)
          .map((b) => b.box.value)
          .join(','),
      ),
    write: (query) => {
      const ids = new Set((query.get(PARAM) ?? '').split(',').map((s) => s.trim()));
      for (const b of boxes) b.box.checked = ids.has(b.box.value);
      showCount();
    },
  };
}
