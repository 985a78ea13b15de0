// Remaining credits and the rate limit, as the last answer's headers told them.
import { onAccountHeaders } from '../api.ts';
import { h } from '../dom.ts';
import { formatInteger } from '../format.ts';

export function accountStatus(): HTMLElement {
  const credits = h('span', { id: 'credits' }, 'Credits: —');
  const rate = h('span', { id: 'rate-limit' }, 'Rate limit: —');
  onAccountHeaders((headers) => {
    if (headers.creditsRemaining !== undefined)
      credits.textContent = `Credits: ${formatInteger(headers.creditsRemaining)} left`;
    if (headers.rateLimit !== undefined)
      rate.textContent = `Rate limit: ${headers.rateLimit}/s (${headers.rateRemaining ?? '?'} left this second)`;
  });
  return h('p', { class: 'account', 'aria-live': 'polite' }, credits, rate);
}
