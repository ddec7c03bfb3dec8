// Entry point of the web application: the server renders one shell page per area
// (<main id="contenu" data-app="agenda">, see server/web/app_pages.cc); this loads that area's
// module (a separate chunk) and the session watch.
import { startSessionWatch } from './lib/session_watch.js';

const kAreas = {
  agenda: () => import('./agenda/index.js'),
  invitations: () => import('./invitations/index.js'),
  taches: () => import('./tasks/index.js'),
  annuaire: () => import('./annuaire/index.js'),
  contacts: () => import('./contacts/index.js'),
  partage: () => import('./sharing/index.js'),
};

const root = document.querySelector('[data-app]');
if (root) {
  startSessionWatch();
  const load = kAreas[root.dataset.app];
  if (load) load().then((m) => m.mount(root));
}
