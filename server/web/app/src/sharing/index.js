// The sharing and account area (issue 13), /partage: for each of the person's own calendars and
// address books, who it is shared with and at which level (issue 12's levels), add a colleague
// or a department/establishment, change the level, remove; delegates; share invitations
// received; the colleagues' calendars and books the person sees; links to the account pages.
// API (dav/api/sharing_api.h, collections_api.h, delegates_api.cc):
//   GET /api/v1/{calendars|addressbooks}; GET|POST|DELETE ?with= …/{id}/shares
//   GET|POST|DELETE ?login= /api/v1/me/delegates; GET /api/v1/me/invitations,
//   POST /api/v1/me/invitations/{uid} {"accept": bool}.
import { get, post, del, seg } from '../lib/api.js';
import { h, fill, announce, field } from '../lib/dom.js';
import { formatDateLong } from '../lib/format.js';
import { confirmDialog, errorText, pageHeading, contentOf, uid, plural } from '../tasks/ui.js';
import { combobox } from './combobox.js';

const kLevels = {
  read: 'Lecture',
  'read-write': 'Lecture et écriture',
  freebusy: 'Disponibilités seulement',
};
const kCalendarLevels = ['read', 'read-write', 'freebusy'];
const kBookLevels = ['read', 'read-write'];
const kStatus = { pending: 'en attente de réponse', accepted: 'accepté', declined: 'refusé' };
const kAccountLinks = [
  ['/compte', 'Mon compte', 'vos informations, votre adresse de secours'],
  ['/compte/mot-de-passe', 'Changer de mot de passe', ''],
  ['/compte/double-authentification', 'Double authentification', 'code à usage unique'],
  ['/compte/appareils', 'Appareils connectés', 'se déconnecter d’un appareil ou partout'],
  ['/compte/mots-de-passe-applications', 'Mots de passe d’applications', 'Thunderbird, téléphone, DAVx5'],
];
// The sharing API answers errors in English ({"error": sentence}): French by status.
const kShareErrors = {
  400: 'Ce partage n’est pas possible : vérifiez le collègue ou le groupe et le niveau.',
  403: 'Vous ne pouvez pas partager cet élément.',
  404: 'Collègue ou groupe introuvable dans l’annuaire.',
  409: 'Le nombre maximal de partages est atteint : retirez-en un d’abord.',
};
const kDelegateErrors = {
  400: 'Ce délégué n’est pas possible (vous ne pouvez pas être votre propre délégué).',
  403: 'Seul un collègue peut être délégué, pas un groupe.',
  404: 'Collègue introuvable dans l’annuaire.',
  409: 'Le nombre maximal de délégués est atteint : retirez-en un d’abord.',
};

const levelSelect = (levels, value, attrs = {}) => h('select', attrs,
  levels.map((l) => h('option', { value: l, selected: l === value }, kLevels[l])));

export async function mount(root) {
  pageHeading(root, 'Partage et compte');
  const main = contentOf(root);
  fill(main, h('p', { class: 'chargement' }, 'Chargement de vos partages…'));
  const own = h('section', { class: 'partage-section', 'aria-labelledby': 'titre-mes-partages' });
  const delegates = h('section', { class: 'partage-section', 'aria-labelledby': 'titre-delegues' });
  const invitations = h('section', { class: 'partage-section', 'aria-labelledby': 'titre-invitations' });
  const withMe = h('section', { class: 'partage-section', 'aria-labelledby': 'titre-avec-moi' });
  const account = h('section', { class: 'partage-section', 'aria-labelledby': 'titre-compte' },
    h('h2', { id: 'titre-compte' }, 'Mon compte'),
    h('ul', { class: 'liens-compte' }, kAccountLinks.map(([href, text, detail]) =>
      h('li', {}, h('a', { href }, text), detail ? h('span', { class: 'aide' }, ` — ${detail}`) : null))));
  let calendars = [], books = [];
  try {
    [calendars, books] = await Promise.all([
      get('/api/v1/calendars').then((r) => r.calendars),
      get('/api/v1/addressbooks').then((r) => r.addressbooks),
    ]);
  } catch (e) {
    fill(main, h('p', { class: 'erreur', role: 'alert' }, 'Impossible de charger vos agendas et carnets : ' + errorText(e)));
    return;
  }
  fill(main, h('nav', { class: 'partage-sommaire', 'aria-label': 'Sur cette page' },
    h('ul', {},
      h('li', {}, h('a', { href: '#titre-mes-partages' }, 'Mes partages')),
      h('li', {}, h('a', { href: '#titre-delegues' }, 'Délégués')),
      h('li', {}, h('a', { href: '#titre-invitations' }, 'Invitations reçues')),
      h('li', {}, h('a', { href: '#titre-avec-moi' }, 'Partagés avec moi')),
      h('li', {}, h('a', { href: '#titre-compte' }, 'Mon compte')))),
  own, delegates, invitations, withMe, account);
  renderOwn();
  renderWithMe();
  await Promise.all([renderDelegates(), renderInvitations()]);

  // ---- My calendars and address books, and their shares.
  function renderOwn() {
    const items = [
      ...calendars.filter((c) => c.access === 'owner').map((c) => ({ c, type: 'calendars', levels: kCalendarLevels,
        what: (c.components ?? ['VEVENT']).includes('VEVENT') ? 'Agenda' : 'Liste de tâches' })),
      ...books.filter((b) => b.access === 'owner').map((c) => ({ c, type: 'addressbooks', what: 'Carnet d’adresses', levels: kBookLevels })),
    ];
    fill(own, h('h2', { id: 'titre-mes-partages' }, 'Mes agendas et carnets partagés'),
      h('p', { class: 'aide' }, 'Lecture : vos collègues voient le contenu. Lecture et écriture : ils peuvent aussi ajouter, modifier et supprimer. Disponibilités seulement (agendas) : ils voient quand vous êtes occupé, sans le détail.'),
      items.length ? items.map(collectionCard) : h('p', {}, 'Vous n’avez pas encore d’agenda ni de carnet d’adresses.'));
  }

  function collectionCard(item) {
    const { c, type, what, levels } = item;
    const headingId = uid('collection');
    const sharesBox = h('div', { class: 'partages' }, h('p', {}, 'Chargement…'));
    const picker = combobox({ label: 'Partager avec', groups: true });
    const level = levelSelect(levels, 'read', { name: 'access' });
    const form = h('form', { class: 'partage-ajout', 'aria-label': `Partager ${c.name}` },
      picker.element, field('Niveau', level), h('button', { type: 'submit', class: 'principal' }, 'Partager'));
    const card = h('article', { class: 'collection', 'aria-labelledby': headingId },
      h('h3', { id: headingId },
        c.color ? h('span', { class: 'pastille', 'aria-hidden': 'true' }) : null,
        `${c.name}`, h('span', { class: 'collection-type' }, ` — ${what.toLowerCase()}`)),
      sharesBox, form);
    if (c.color) card.querySelector('.pastille').style.setProperty('--couleur', c.color);
    const base = `/api/v1/${type}/${seg(c.id)}/shares`;

    async function load(focusWith) {
      try {
        const { shares } = await get(base);
        fill(sharesBox, shares.length ? h('ul', { class: 'partages-liste' }, shares.map(shareRow))
          : h('p', { class: 'vide' }, 'Partagé avec personne.'));
      } catch (e) {
        fill(sharesBox, h('p', { class: 'erreur' }, 'Impossible de lire les partages : ' + errorText(e, kShareErrors)));
      }
      if (focusWith !== undefined) {
        (sharesBox.querySelector(`[data-avec="${CSS.escape(focusWith)}"] select`) ?? picker.input).focus();
      }
    }

    function shareRow(s) {
      const label = s.group ? `${s.name} (groupe)` : s.name;
      const select = levelSelect(levels.includes(s.access) ? levels : [...levels, s.access], s.access, {
        'aria-label': `Niveau de partage de « ${c.name} » avec ${label}`,
        onchange: async () => {
          try {
            await post(base, { with: s.with, access: select.value, summary: s.summary ?? '' });
            announce(`${label} : ${kLevels[select.value].toLowerCase()} sur « ${c.name} ».`);
            await load(s.with);
          } catch (e) {
            select.value = s.access;
            announce('Le niveau n’a pas été changé : ' + errorText(e, kShareErrors), { error: true });
          }
        },
      });
      return h('li', { class: 'partage', dataset: { avec: s.with } },
        h('span', { class: 'partage-qui' }, label,
          s.status && s.status !== 'accepted' ? h('span', { class: 'partage-statut' }, ` (${kStatus[s.status] ?? s.status})`) : null),
        select,
        h('button', { type: 'button', class: 'danger', 'aria-label': `Retirer le partage de « ${c.name} » avec ${label}`,
          onclick: async () => {
            if (!(await confirmDialog('Retirer le partage', `Ne plus partager « ${c.name} » avec ${label} ?`, 'Retirer'))) return;
            try {
              await del(`${base}?with=${encodeURIComponent(s.with)}`);
              announce(`« ${c.name} » n’est plus partagé avec ${label}.`);
              await load('');
            } catch (e) {
              announce('Le partage n’a pas été retiré : ' + errorText(e, kShareErrors), { error: true });
            }
          } }, 'Retirer'));
    }

    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const who = picker.value();
      if (!who) {
        announce('Choisissez un collègue ou un groupe.', { error: true });
        picker.input.focus();
        return;
      }
      try {
        const share = await post(base, { with: who.with, access: level.value });
        picker.clear();
        announce(`« ${c.name} » partagé avec ${share.name ?? who.name} (${kLevels[share.access ?? level.value].toLowerCase()}).`);
        await load(share.with ?? who.with);
      } catch (e) {
        announce('Le partage n’a pas été fait : ' + errorText(e, kShareErrors), { error: true });
      }
    });
    load();
    return card;
  }

  // ---- Delegates: colleagues who manage my calendars (issue 12).
  async function renderDelegates(focusLogin) {
    let data;
    try {
      data = await get('/api/v1/me/delegates');
    } catch (e) {
      fill(delegates, h('h2', { id: 'titre-delegues' }, 'Délégués'), h('p', { class: 'erreur' }, 'Impossible de lire vos délégués : ' + errorText(e)));
      return;
    }
    const picker = combobox({ label: 'Nouveau délégué' });
    const level = levelSelect(['read', 'read-write'], 'read-write', { name: 'access' });
    const form = h('form', { class: 'partage-ajout', 'aria-label': 'Ajouter un délégué' },
      picker.element, field('Niveau', level), h('button', { type: 'submit', class: 'principal' }, 'Ajouter le délégué'));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const who = picker.value();
      if (!who) { announce('Choisissez un collègue.', { error: true }); picker.input.focus(); return; }
      try {
        const d = await post('/api/v1/me/delegates', { login: who.with, access: level.value });
        announce(`${d.name} est votre délégué (${kLevels[d.access].toLowerCase()}).`);
        await renderDelegates(d.login);
      } catch (e) {
        announce('Le délégué n’a pas été ajouté : ' + errorText(e, kDelegateErrors), { error: true });
      }
    });
    fill(delegates, h('h2', { id: 'titre-delegues' }, 'Délégués'),
      h('p', { class: 'aide' }, 'Un délégué (par exemple un secrétariat) voit tous vos agendas et vos invitations ; en lecture et écriture, il les gère et répond aux invitations pour vous.'),
      data.delegates.length ? h('ul', { class: 'partages-liste' }, data.delegates.map((d) => {
        const select = levelSelect(['read', 'read-write'], d.access, {
          'aria-label': `Niveau de délégation de ${d.name}`,
          onchange: async () => {
            try {
              await post('/api/v1/me/delegates', { login: d.login, access: select.value });
              announce(`${d.name} : ${kLevels[select.value].toLowerCase()}.`);
            } catch (e) {
              select.value = d.access;
              announce('Le niveau n’a pas été changé : ' + errorText(e, kDelegateErrors), { error: true });
            }
          },
        });
        return h('li', { class: 'partage', dataset: { avec: d.login } },
          h('span', { class: 'partage-qui' }, d.name), select,
          h('button', { type: 'button', class: 'danger', 'aria-label': `Retirer le délégué ${d.name}`, onclick: async () => {
            if (!(await confirmDialog('Retirer le délégué', `${d.name} ne gérera plus vos agendas. Continuer ?`, 'Retirer'))) return;
            try {
              await del(`/api/v1/me/delegates?login=${encodeURIComponent(d.login)}`);
              announce(`${d.name} n’est plus votre délégué.`);
              await renderDelegates('');
            } catch (e) {
              announce('Le délégué n’a pas été retiré : ' + errorText(e, kDelegateErrors), { error: true });
            }
          } }, 'Retirer'));
      })) : h('p', { class: 'vide' }, 'Vous n’avez pas de délégué.'),
      form,
      data.delegate_of.length ? [h('h3', {}, 'Vous êtes délégué de'),
        h('ul', { class: 'partages-liste' }, data.delegate_of.map((d) =>
          h('li', { class: 'partage' }, h('span', { class: 'partage-qui' }, d.name), h('span', {}, kLevels[d.access]))))] : null);
    if (focusLogin !== undefined) {
      (delegates.querySelector(`[data-avec="${CSS.escape(focusLogin)}"] select`) ?? picker.input).focus();
    }
  }

  // ---- Share invitations waiting for an answer ([sharing] auto_accept = false).
  async function renderInvitations() {
    let list = [];
    try {
      ({ invitations: list } = await get('/api/v1/me/invitations'));
    } catch (e) {
      fill(invitations, h('h2', { id: 'titre-invitations' }, 'Invitations de partage reçues'),
        h('p', { class: 'erreur' }, 'Impossible de lire les invitations : ' + errorText(e)));
      return;
    }
    fill(invitations, h('h2', { id: 'titre-invitations', tabindex: '-1' }, 'Invitations de partage reçues'),
      list.length ? h('ul', { class: 'invitations-partage' }, list.map((inv) => {
        const what = inv.type === 'addressbook' ? 'le carnet d’adresses' : 'l’agenda';
        const owner = inv.owner?.name ?? inv.owner?.login ?? '';
        const created = inv.created_at ? new Date(inv.created_at) : null;
        return h('li', { class: 'invitation' },
          h('p', {}, `${owner} partage ${what} « ${inv.name} » avec vous (${(kLevels[inv.access] ?? inv.access).toLowerCase()})` +
            (created && !Number.isNaN(created.getTime()) ? `, le ${formatDateLong(created)}.` : '.')),
          inv.summary ? h('p', { class: 'invitation-message' }, inv.summary) : null,
          h('div', { class: 'boutons' },
            h('button', { type: 'button', class: 'principal', 'aria-label': `Accepter « ${inv.name} » de ${owner}`, onclick: () => reply(inv, true) }, 'Accepter'),
            h('button', { type: 'button', class: 'secondaire', 'aria-label': `Refuser « ${inv.name} » de ${owner}`, onclick: () => reply(inv, false) }, 'Refuser')));
      })) : h('p', { class: 'vide' }, 'Aucune invitation en attente.'));
  }

  async function reply(inv, accept) {
    try {
      await post(`/api/v1/me/invitations/${seg(inv.uid)}`, { accept });
      announce(accept ? `« ${inv.name} » ajouté à vos ${inv.type === 'addressbook' ? 'carnets' : 'agendas'}.` : `Invitation « ${inv.name} » refusée.`);
      if (accept) {
        [calendars, books] = await Promise.all([
          get('/api/v1/calendars').then((r) => r.calendars),
          get('/api/v1/addressbooks').then((r) => r.addressbooks),
        ]);
        renderWithMe();
      }
      await renderInvitations();
      invitations.querySelector('h2').focus();
    } catch (e) {
      announce('La réponse n’a pas été enregistrée : ' + errorText(e, { 404: 'Cette invitation n’existe plus.' }), { error: true });
    }
  }

  // ---- What colleagues and groups share with me (mounted shares, group agendas).
  function renderWithMe() {
    const rows = [
      ...calendars.filter((c) => c.access !== 'owner').map((c) => ({ c, what: 'Agenda', href: '/agenda' })),
      ...books.filter((b) => b.access !== 'owner').map((c) => ({ c, what: 'Carnet d’adresses', href: `/contacts?carnet=${encodeURIComponent(c.id)}` })),
    ];
    fill(withMe, h('h2', { id: 'titre-avec-moi' }, 'Partagés avec moi'),
      rows.length ? h('p', {}, plural(rows.length, 'agenda ou carnet partagé avec vous', 'agendas et carnets partagés avec vous') + ' :') : null,
      rows.length ? h('table', { class: 'partages-recus' },
        h('caption', { class: 'invisible' }, 'Agendas et carnets partagés avec moi'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Nom'), h('th', { scope: 'col' }, 'Type'), h('th', { scope: 'col' }, 'Propriétaire'), h('th', { scope: 'col' }, 'Niveau'))),
        h('tbody', {}, rows.map(({ c, what, href }) => h('tr', { dataset: { id: c.id } },
          h('td', {}, h('a', { href }, c.name)),
          h('td', {}, what),
          h('td', {}, c.owner?.name ?? c.owner?.login ?? ''),
          h('td', {}, kLevels[c.access] ?? c.access)))))
        : h('p', { class: 'vide' }, 'Aucun collègue ne partage d’agenda ni de carnet avec vous pour l’instant.'));
  }
}
