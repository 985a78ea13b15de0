// Previous / page n (of m when the server sends X-Total-Count) / next.
import { h } from '../dom.ts';
import { formatInteger } from '../format.ts';
import { PAGE_SIZE } from '../query.ts';

export function pager(go: (pageNum: number) => void): {
  element: HTMLElement;
  show(pageNum: number, rows: number, total?: number): void;
} {
  let current = 1;
  const previous = h('button', { type: 'button', id: 'previous-page' }, 'Previous');
  const next = h('button', { type: 'button', id: 'next-page' }, 'Next');
  const where = h('span', { id: 'page-info', 'aria-live': 'polite' });
  previous.addEventListener('click', () => go(current - 1));
  next.addEventListener('click', () => go(current + 1));
  const element = h(
    'nav',
    { class: 'pager', 'aria-label': 'Result pages', hidden: true },
    previous,
    where,
    next,
  );
  return {
    element,
    show(pageNum, rows, total) {
      current = pageNum;
      element.hidden = rows === 0 && pageNum === 1;
      const pages = total === undefined ? undefined : Math.max(1, Math.ceil(total / PAGE_SIZE));
      where.textContent =
        pages === undefined
          ? `Page ${formatInteger(pageNum)}`
          : `Page ${formatInteger(pageNum)} of ${formatInteger(pages)}`;
      previous.disabled = pageNum <= 1;
      next.disabled = pages === undefined ? rows < PAGE_SIZE : pageNum >= pages;
    },
  };
}
