// A searchable choice of one value (creator category, language): a text box with suggestions; what is typed
// is sent as is (the API matches case-insensitively).
import { h, uid } from '../dom.ts';
import { setParam, type Control } from './control.ts';

export function choiceField(spec: {
  param: string;
  label: string;
  choices: readonly { value: string; label?: string }[];
  placeholder: string;
  /** A search box (the keyword) rather than a choice. */
  search?: boolean;
  /** Spans the panel's width (long values such as category names). */
  wide?: boolean;
}): Control & { setChoices(choices: readonly { value: string; label?: string }[]): void } {
  const id = uid(spec.param);
  const list = h('datalist', { id: `${id}-choices` });
  const setChoices = (choices: readonly { value: string; label?: string }[]) =>
    list.replaceChildren(
      ...choices.map((choice) => h('option', { value: choice.value, label: choice.label ?? undefined })),
    );
  setChoices(spec.choices);
  const input = h('input', {
    id,
    name: spec.param,
    list: list.id,
    autocomplete: 'off',
    placeholder: spec.placeholder,
    type: spec.search ? 'search' : undefined,
  });
  return {
    setChoices,
    element: h(
      'div',
      { class: `field${spec.wide ? ' wide' : ''}` },
      h('label', { for: id }, spec.label),
      input,
      list,
    ),
    read: (query) => setParam(query, spec.param, input.value),
    write: (query) => {
      input.value = query.get(spec.param) ?? '';
    },
  };
}
