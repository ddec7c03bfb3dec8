// Entry point of the web application: the server renders one shell page per area
// (<div class="app" data-app="agenda"> inside <main id="contenu">, see server/web/app_pages.cc
// and templates/application.html); this loads that area's module (a separate chunk), which
// fills the element's .app-contenu, and starts the session watch.
import { startSessionWatch } from './lib/session_watch.js';
import { h, fill } from './lib/dom.js';

const kAreas = {
  agenda: () => import('./agenda/index.js'),
  invitations: () => import('./invitations/index.js'),
  taches: () => import('./tasks/index.js'),
  annuaire: () => import('./annuaire/index.js'),
  contacts: () => import('./contacts/index.js'),
  partage: () => import('./sharing/index.js'),
};

// On a phone the navigation folds behind the "Menu" button of the layout (base.css shows the
// button and hides the list below 40rem unless it is open).
function setUpMenu() {
  const button = document.querySelector('.menu-bouton');
  const list = document.getElementById('navigation-liens');
  if (!button || !list) return;
  document.documentElement.classList.add('menu-repliable');
  button.addEventListener('click', () => {
    const open = button.getAttribute('aria-expanded') !== 'true';
    button.setAttribute('aria-expanded', String(open));
    list.classList.toggle('ouverte', open);
  });
  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && button.getAttribute('aria-expanded') === 'true') {
      button.setAttribute('aria-expanded', 'false');
      list.classList.remove('ouverte');
      button.focus();
    }
  });
}

setUpMenu();
const root = document.querySelector('[data-app]');
if (root) {
  startSessionWatch();
  const load = kAreas[root.dataset.app];
  if (load) {
    load().then((m) => m.mount(root)).catch((e) => {
      // A chunk that failed to load (a new version deployed meanwhile): say so, plainly.
      fill(root.querySelector('.app-contenu') ?? root,
        h('p', { class: 'erreur', role: 'alert' },
          'La page n\'a pas pu se charger. Rechargez-la (touche F5).'));
      throw e;
    });
  }
}
