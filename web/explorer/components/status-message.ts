// The search status: loading, empty, errors in the API's words (role=alert, so screen readers hear them).
import { h } from '../dom.ts';

export type Tone = 'info' | 'error';

export function statusMessage(): { element: HTMLElement; show(text: string, tone?: Tone): void } {
  const element = h('p', { id: 'status', class: 'status', role: 'status', 'aria-live': 'polite' });
  return {
    element,
    show(text, tone = 'info') {
      element.textContent = text;
      element.className = `status status-${tone}`;
      element.setAttribute('role', tone === 'error' ? 'alert' : 'status');
    },
  };
}
