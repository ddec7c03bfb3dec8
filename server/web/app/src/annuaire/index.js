// The annuaire area (issue 13, people-ui): search colleagues (GET /api/v1/directory: accents and
// case ignored, every word a prefix — the server does it) with department and establishment
// filters, a person's card (function, establishment, phone, e-mail, "Inviter", "Écrire",
// "Ajouter à mes contacts"), and the department and establishment groups with their members
// (GET /api/v1/directory/groups[/{key}/members]). The search runs as the person types
// (debounced) and the number of results is announced to screen readers.
import { get, post, seg } from '../lib/api.js';
import { h, fill, announce, field } from '../lib/dom.js';
import { directoryGroups, groupKey } from '../invitations/attendees.js';

const kDebounceMs = 300;
const kLimit = 50;

// /agenda?nouveau=1&invite=<email>: the agenda opens its event form with this attendee
// (agreed with the agenda page; several invite= may be given).
export function inviteLink(email) {
  return `/agenda?nouveau=1&invite=${encodeURIComponent(email)}`;
}

const plural = (n, one, many) => `${n} ${n > 1 ? many : one}`;

export function mount(root) {
  const host = root.querySelector('.app-contenu') ?? root;
  const q = h('input', { type: 'search', name: 'q', autocomplete: 'off', spellcheck: 'false', enterkeyhint: 'search' });
  const dep = h('select', { name: 'departement' }, h('option', { value: '' }, 'Tous les départements'));
  const etab = h('select', { name: 'etablissement' }, h('option', { value: '' }, 'Tous les établissements'));
  const form = h('form', { class: 'annuaire-recherche', role: 'search', 'aria-label': 'Rechercher dans l’annuaire' },
    field('Rechercher un collègue', q, 'Nom, prénom, fonction, établissement ou adresse e-mail ; le début de chaque mot suffit.'),
    h('div', { class: 'filtres' }, field('Département', dep), field('Établissement', etab)));
  const resultsTitle = h('h2', { id: 'annuaire-resultats-titre', tabindex: '-1' }, 'Résultats');
  const results = h('div', { class: 'annuaire-resultats' });
  const card = h('section', { class: 'fiche-personne', 'aria-labelledby': 'fiche-titre', hidden: true });
  const groupsBox = h('section', { class: 'annuaire-groupes', 'aria-labelledby': 'groupes-titre' },
    h('h2', { id: 'groupes-titre' }, 'Groupes'), h('p', {}, 'Chargement…'));
  fill(host, h('div', { class: 'annuaire' },
    document.querySelector('#contenu h1') ? null : h('h1', {}, 'Annuaire'),  // the layout's
    form,
    h('div', { class: 'annuaire-corps' },
      h('section', { class: 'annuaire-liste', 'aria-labelledby': 'annuaire-resultats-titre' }, resultsTitle, results),
      card),
    groupsBox));

  let groups = { departements: [], etablissements: [] };
  let timer = 0;
  let controller = null;
  let seq = 0;

  const showHint = () => fill(results, h('p', { class: 'aide' },
    'Tapez au moins deux lettres, ou choisissez un département ou un établissement pour en voir les membres.'));
  showHint();

  directoryGroups().then((g) => {
    groups = g ?? groups;
    for (const d of groups.departements ?? []) dep.append(h('option', { value: d.code }, d.name));
    for (const e of groups.etablissements ?? []) etab.append(h('option', { value: e.uai }, `${e.name} (${e.uai})`));
    renderGroups();
  }).catch((e) => fill(groupsBox.querySelector('p'), e.message));

  function renderGroups() {
    const list = (title, items) => h('div', { class: 'groupe-famille' }, h('h3', {}, title),
      h('ul', { class: 'groupes' }, items.map((g) => h('li', {},
        h('button', { type: 'button', class: 'lien', onclick: () => showMembers(g) }, g.name),
        ' ', h('span', { class: 'compte' }, `(${plural(g.members ?? 0, 'membre', 'membres')})`),
        g.email ? [' ', h('a', { href: `mailto:${g.email}`, class: 'groupe-adresse' }, g.email)] : null))));
    fill(groupsBox, h('h2', { id: 'groupes-titre' }, 'Groupes'),
      list('Départements', groups.departements ?? []), list('Établissements', groups.etablissements ?? []));
  }

  async function run(fetcher, title) {
    const mine = ++seq;
    controller?.abort();
    controller = new AbortController();
    results.setAttribute('aria-busy', 'true');
    try {
      const people = await fetcher(controller.signal);
      if (mine !== seq) return;
      resultsTitle.textContent = title;
      renderPeople(people);
      announce(people.length ? `${plural(people.length, 'personne trouvée', 'personnes trouvées')}.` : 'Aucune personne trouvée.');
    } catch (e) {
      if (e.name === 'AbortError' || mine !== seq) return;
      fill(results, h('p', { class: 'erreur', role: 'alert' }, e.message));
    } finally {
      if (mine === seq) results.removeAttribute('aria-busy');
    }
  }

  function search() {
    const text = q.value.trim();
    if (text.length >= 2) {
      const params = new URLSearchParams({ q: text, limit: String(kLimit) });
      if (dep.value) params.set('departement', dep.value);
      if (etab.value) params.set('etablissement', etab.value);
      run(async (signal) => (await get(`/api/v1/directory?${params}`, { signal })).people ?? [], 'Résultats');
    } else if (etab.value || dep.value) {
      // No text: the chosen group's members (the most precise filter wins).
      const g = etab.value ? (groups.etablissements ?? []).find((x) => x.uai === etab.value)
        : (groups.departements ?? []).find((x) => x.code === dep.value);
      if (g) showMembers(g, { focus: false });
    } else {
      ++seq;
      controller?.abort();
      resultsTitle.textContent = 'Résultats';
      showHint();
    }
  }

  function showMembers(g, { focus = true } = {}) {
    run(async (signal) => (await get(`/api/v1/directory/groups/${seg(groupKey(g))}/members`, { signal })).people ?? [],
      `Membres : ${g.name}`).then(() => { if (focus) resultsTitle.focus(); });
  }

  function renderPeople(people) {
    if (!people.length) {
      fill(results, h('p', { class: 'vide' }, 'Aucune personne ne correspond.'));
      return;
    }
    fill(results, h('ul', { class: 'personnes' }, people.map((p) => h('li', {},
      h('button', {
        type: 'button', class: 'personne', dataset: { login: p.login },
        onclick: () => openCard(p),
      },
      h('span', { class: 'personne-nom' }, p.name || `${p.prenom ?? ''} ${p.nom ?? ''}`.trim()),
      h('span', { class: 'personne-detail' }, [p.fonction, p.etablissement].filter(Boolean).join(' — ')))))));
  }

  async function openCard(p) {
    let person = p;
    if (p.login) {
      try { person = (await get(`/api/v1/directory/people/${seg(p.login)}`)).person ?? p; } catch { person = p; }
    }
    const name = person.name || `${person.prenom ?? ''} ${person.nom ?? ''}`.trim();
    const rows = [
      ['Fonction', person.fonction],
      ['Établissement', person.etablissement && `${person.etablissement}${person.uai ? ` (${person.uai})` : ''}`],
      ['Département', person.departement && ((groups.departements ?? []).find((d) => d.code === person.departement)?.name ?? person.departement)],
      ['Téléphone', person.telephone && h('a', { href: `tel:${person.telephone.replace(/[^\d+]/g, '')}` }, person.telephone)],
      ['E-mail', person.email && h('a', { href: `mailto:${person.email}` }, person.email)],
    ].filter(([, v]) => v);
    const addBox = h('div', { class: 'fiche-ajout' });
    const title = h('h2', { id: 'fiche-titre', tabindex: '-1' }, name);
    fill(card, title,
      h('dl', { class: 'details' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
      h('div', { class: 'boutons' },
        person.email ? h('a', { class: 'bouton principal', href: inviteLink(person.email) }, 'Inviter',
          h('span', { class: 'invisible' }, ` ${name} à un évènement`)) : null,
        person.email ? h('a', { class: 'bouton secondaire', href: `mailto:${person.email}` }, 'Écrire',
          h('span', { class: 'invisible' }, ` à ${name}`)) : null),
      addBox,
      h('button', { type: 'button', class: 'lien fiche-fermer', onclick: () => { card.hidden = true; q.focus(); } }, 'Fermer la fiche'));
    card.hidden = false;
    title.focus();
    card.scrollIntoView({ block: 'nearest' });
    setupAdd(addBox, person, name);
  }

  async function setupAdd(box, person, name) {
    if (!person.login) return;
    let books;
    try {
      books = ((await get('/api/v1/addressbooks')).addressbooks ?? []).filter(writable);
    } catch (e) {
      fill(box, h('p', { class: 'erreur' }, e.message));
      return;
    }
    if (!books.length) {
      fill(box, h('p', { class: 'aide' }, 'Vous n’avez pas de carnet d’adresses où l’ajouter (page Contacts).'));
      return;
    }
    const select = books.length > 1 ? h('select', { name: 'carnet' },
      books.map((b) => h('option', { value: b.id }, b.name))) : null;
    const button = h('button', { type: 'submit', class: 'ajouter' }, 'Ajouter à mes contacts');
    const form = h('form', { class: 'ajout-contact' }, select ? field('Carnet d’adresses', select) : null, button);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const book = select ? books.find((b) => String(b.id) === select.value) : books[0];
      button.disabled = true;
      try {
        await post(`/api/v1/addressbooks/${seg(book.id)}/contacts`, { from_directory: person.login });
        fill(box, h('p', { class: 'info', role: 'status' }, `${name} a été ajouté au carnet « ${book.name} ».`));
        announce(`${name} ajouté au carnet « ${book.name} ».`);
      } catch (e) {
        button.disabled = false;
        announce(e.message, { error: true });
      }
    });
    fill(box, form);
  }

  q.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(search, kDebounceMs); });
  dep.addEventListener('change', search);
  etab.addEventListener('change', search);
  form.addEventListener('submit', (ev) => { ev.preventDefault(); clearTimeout(timer); search(); });
}

// A book the person may add cards to: the API's "writable" when present (contacts-api),
// otherwise their own books and read-write shares.
function writable(b) {
  if (typeof b.writable === 'boolean') return b.writable;
  return b.access === 'owner' || String(b.access ?? '').startsWith('read-write');
}
