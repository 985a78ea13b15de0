// A small element builder: h('label', { for: 'x' }, 'Text', child). Text is always set as text, never HTML.
type Attributes = Record<string, string | number | boolean | undefined>;
type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Attributes = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children) if (child) element.append(child);
  return element;
}

let counter = 0;
/** A page-unique id for label/control pairs. */
export function uid(prefix: string): string {
  return `${prefix}-${++counter}`;
}
