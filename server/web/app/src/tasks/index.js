// The tasks area (issue 13). mount(root) builds the page inside <main data-app>.
import { h, fill } from '../lib/dom.js';

export function mount(root) {
  fill(root.querySelector('.app-contenu') ?? root, h('p', {}, 'Chargement…'));
}
