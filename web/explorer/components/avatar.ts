// A creator's avatar: the initials at once, the picture over them only if it loads. TikTok avatar URLs
// expire (and the page's CSP allows no other origin), so nothing waits on the image.
import { h } from '../dom.ts';
import { initials } from '../format.ts';

export function avatar(name: string, url: unknown, size: 'small' | 'large' = 'small'): HTMLElement {
  const element = h('span', { class: `avatar avatar-${size}`, 'aria-hidden': 'true' }, initials(name));
  if (typeof url === 'string' && url.startsWith('/')) {
    // Only same-origin pictures (e.g. an operator's avatar proxy) can load under the page's CSP.
    const image = h('img', { alt: '', src: url, loading: 'lazy', decoding: 'async' });
    image.addEventListener('error', () => image.remove());
    element.append(image);
  }
  return element;
}
