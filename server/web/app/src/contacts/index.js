// The contacts area (issue 13), /contacts: the person's address books (create, rename, delete),
// their groups (create, rename, delete, members), the contacts with a search, a contact's
// card (create, edit, delete), vCard import and export. Shared and directory books are shown
// read-only when the person may not write them.
// API (design13.md): GET|POST /api/v1/addressbooks, PATCH|DELETE /api/v1/addressbooks/{id},
// GET|POST /api/v1/addressbooks/{id}/contacts, PATCH|DELETE …/contacts/{name},
// POST …/import (text/vcard), GET …/export.
import { get, post, patch, del, seg } from '../lib/api.js';
import { h, fill, announce, field } from '../lib/dom.js';
import { formDialog, confirmDialog, errorText, pageHeading, contentOf, uid, plural, matchesWords, fold } from '../tasks/ui.js';

const kEmailTypes = [
  { value: 'work', label: 'Professionnelle' },
  { value: 'home', label: 'Personnelle' },
  { value: 'other', label: 'Autre' },
];
const kPhoneTypes = [
  { value: 'work', label: 'Professionnel' },
  { value: 'cell', label: 'Mobile' },
  { value: 'home', label: 'Domicile' },
  { value: 'fax', label: 'Fax' },
  { value: 'pager', label: 'Bip' },
  { value: 'other', label: 'Autre' },
];
// Why a card of an import was refused: the server's reason comes from the DAV validation
// (English, naming the RFC); the usual ones are said in French, the rest shown as they are.
const kRejections = [
  [/without FN/i, 'carte sans nom (FN)'],
  [/without UID/i, 'carte sans identifiant (UID)'],
  [/exceeds|too large|limit/i, 'carte trop volumineuse'],
  [/BEGIN|END:VCARD|parse|malformed|syntax/i, 'carte mal formée'],
];
export function rejectionText(reason) {
  const known = kRejections.find(([re]) => re.test(reason ?? ''));
  return known ? known[1] : `carte refusée (${reason})`;
}
// The import sends the file as one body; the server bounds it too (413).
const kMaxImportBytes = 5 * 1024 * 1024;

const writable = (b) => b.writable ?? (b.access === 'owner' || b.access === 'read-write');
const own = (b) => b.access === 'owner';
const displayName = (c) => c.fn || [c.given, c.family].filter(Boolean).join(' ') || c.org || (c.emails?.[0]?.value ?? '(sans nom)');
const sortKey = (c) => fold(c.family || c.fn || c.org || '') + ' ' + fold(c.given || '');

export async function mount(root) {
  pageHeading(root, 'Contacts');
  const main = contentOf(root);
  fill(main, h('p', { class: 'chargement' }, 'Chargement des carnets d’adresses…'));
  const state = { books: [], book: null, contacts: [], group: '', query: '' };
  const groups = () => state.contacts.filter((c) => c.kind === 'group').sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
  const people = () => state.contacts.filter((c) => c.kind !== 'group').sort((a, b) => sortKey(a).localeCompare(sortKey(b)));

  const booksList = h('ul', { class: 'carnets-liste' });
  const bookActions = h('div', { class: 'carnet-actions' });
  const groupsList = h('ul', { class: 'groupes-liste' });
  const groupsSection = h('section', { class: 'contacts-groupes', 'aria-labelledby': 'titre-groupes' },
    h('h2', { id: 'titre-groupes' }, 'Groupes'), groupsList,
    h('button', { type: 'button', class: 'secondaire groupe-nouveau', onclick: () => editGroup(null) }, 'Nouveau groupe'));
  const search = h('input', { type: 'search', name: 'q', autocomplete: 'off',
    oninput: () => { state.query = search.value; renderContacts(); } });
  const count = h('p', { class: 'contacts-compte', role: 'status' });
  const contactsList = h('ul', { class: 'contacts-liste' });
  const contactsHeading = h('h2', { id: 'titre-contacts', tabindex: '-1' }, 'Contacts');
  const importResult = h('div', { class: 'import-resultat', role: 'status' });
  const newContactButton = h('button', { type: 'button', class: 'principal', onclick: () => editContact(null) }, 'Nouveau contact');

  try {
    await loadBooks();
  } catch (e) {
    fill(main, h('p', { class: 'erreur', role: 'alert' }, 'Impossible de charger vos carnets d’adresses : ' + errorText(e)));
    return;
  }
  fill(main, h('div', { class: 'contacts-page' },
    h('div', { class: 'contacts-cote' },
      h('section', { class: 'carnets', 'aria-labelledby': 'titre-carnets' },
        h('h2', { id: 'titre-carnets' }, 'Carnets d’adresses'), booksList,
        h('button', { type: 'button', class: 'secondaire', onclick: newBook }, 'Nouveau carnet')),
      groupsSection),
    h('section', { class: 'contacts-principal', 'aria-labelledby': 'titre-contacts' },
      contactsHeading, bookActions, importResult,
      h('div', { class: 'contacts-recherche' }, field('Rechercher un contact', search, 'Nom, organisation, adresse ou téléphone'), newContactButton),
      count, contactsList)));
  const wanted = new URLSearchParams(location.search).get('carnet');
  await choose((state.books.find((b) => b.id === wanted) ?? state.books.find(own) ?? state.books[0])?.id);

  async function loadBooks() {
    const { addressbooks } = await get('/api/v1/addressbooks');
    state.books = addressbooks;
  }

  function renderBooks() {
    fill(booksList, state.books.map((b) => h('li', {},
      h('button', { type: 'button', class: 'carnet', 'aria-current': b === state.book ? 'true' : null,
        onclick: () => choose(b.id) },
        b.name,
        own(b) ? null : h('span', { class: 'carnet-proprio' }, ` — ${b.owner?.name ?? b.owner?.login ?? ''}${writable(b) ? '' : ', lecture seule'}`)))));
  }

  async function choose(id) {
    state.book = state.books.find((b) => b.id === id) ?? null;
    state.group = '';
    state.query = search.value = '';
    fill(importResult);
    renderBooks();
    if (!state.book) {
      contactsHeading.textContent = 'Contacts';
      fill(contactsList);
      count.textContent = 'Aucun carnet d’adresses : créez-en un.';
      groupsSection.hidden = true;
      bookActions.hidden = true;
      newContactButton.hidden = true;
      return;
    }
    const url = new URL(location.href);
    url.searchParams.set('carnet', state.book.id);
    history.replaceState(null, '', url);
    renderBookActions();
    await loadContacts();
  }

  function renderBookActions() {
    const b = state.book;
    const canWrite = writable(b);
    const importId = uid('import');
    const fileInput = h('input', { type: 'file', id: importId, class: 'invisible-fichier', accept: '.vcf,.vcard,text/vcard,text/x-vcard',
      onchange: () => importFile(fileInput) });
    fill(bookActions,
      own(b) ? h('button', { type: 'button', class: 'secondaire', onclick: renameBook }, 'Renommer le carnet') : null,
      own(b) ? h('button', { type: 'button', class: 'danger', onclick: deleteBook }, 'Supprimer le carnet') : null,
      canWrite ? h('span', { class: 'import' }, h('label', { for: importId, class: 'bouton' }, 'Importer des vCard (.vcf)'), fileInput) : null,
      h('a', { class: 'bouton', href: `/api/v1/addressbooks/${seg(b.id)}/export`, download: `${b.name}.vcf` }, 'Exporter en vCard'),
      own(b) ? h('a', { class: 'bouton', href: '/partage' }, 'Partager…') : null);
    bookActions.hidden = false;
    groupsSection.hidden = false;
    newContactButton.hidden = !canWrite;
    groupsSection.querySelector('.groupe-nouveau').hidden = !canWrite;
  }

  async function loadContacts() {
    try {
      const { contacts } = await get(`/api/v1/addressbooks/${seg(state.book.id)}/contacts`);
      state.contacts = contacts;
    } catch (e) {
      state.contacts = [];
      announce('Impossible de charger les contacts : ' + errorText(e), { error: true });
    }
    renderGroups();
    renderContacts();
  }

  function renderGroups() {
    const canWrite = writable(state.book);
    const all = people().length;
    fill(groupsList,
      h('li', {}, h('button', { type: 'button', class: 'groupe', 'aria-current': state.group === '' ? 'true' : null,
        onclick: () => { state.group = ''; renderGroups(); renderContacts(); } }, `Tous les contacts (${all})`)),
      groups().map((g) => h('li', { class: 'groupe-ligne' },
        h('button', { type: 'button', class: 'groupe', 'aria-current': state.group === g.uid ? 'true' : null,
          onclick: () => { state.group = g.uid; renderGroups(); renderContacts(); } },
          `${displayName(g)} (${(g.members ?? []).length})`),
        canWrite ? h('span', { class: 'groupe-actions' },
          h('button', { type: 'button', class: 'secondaire', 'aria-label': `Membres du groupe « ${displayName(g)} »`, onclick: () => editMembers(g) }, 'Membres'),
          h('button', { type: 'button', class: 'secondaire', 'aria-label': `Renommer le groupe « ${displayName(g)} »`, onclick: () => editGroup(g) }, 'Renommer'),
          h('button', { type: 'button', class: 'danger', 'aria-label': `Supprimer le groupe « ${displayName(g)} »`, onclick: () => deleteContact(g) }, 'Supprimer')) : null)));
  }

  function renderContacts() {
    const b = state.book;
    const group = groups().find((g) => g.uid === state.group);
    contactsHeading.textContent = group ? `${b.name} — groupe ${displayName(group)}` : b.name;
    let shown = people();
    if (group) shown = shown.filter((c) => (group.members ?? []).includes(c.uid) || (c.groups ?? []).includes(group.uid));
    if (state.query.trim()) {
      shown = shown.filter((c) => matchesWords([displayName(c), c.given, c.family, c.org, c.title,
        ...(c.emails ?? []).map((e) => e.value), ...(c.phones ?? []).map((p) => p.value)].join(' '), state.query));
    }
    count.textContent = shown.length ? plural(shown.length, 'contact', 'contacts') : (state.query ? 'Aucun contact ne correspond à la recherche.' : 'Aucun contact.');
    const canWrite = writable(b);
    fill(contactsList, shown.map((c) => contactItem(c, canWrite)));
  }

  function contactItem(c, canWrite) {
    const name = displayName(c);
    const inGroups = groups().filter((g) => (g.members ?? []).includes(c.uid)).map(displayName);
    return h('li', { class: 'contact', dataset: { contact: c.name } },
      h('div', { class: 'contact-corps' },
        h('p', { class: 'contact-nom' }, name),
        c.title || c.org ? h('p', { class: 'contact-org' }, [c.title, c.org].filter(Boolean).join(', ')) : null,
        (c.emails ?? []).length ? h('ul', { class: 'contact-coords' }, c.emails.map((e) =>
          h('li', {}, h('a', { href: 'mailto:' + e.value }, e.value), typeLabel(kEmailTypes, e.type)))) : null,
        (c.phones ?? []).length ? h('ul', { class: 'contact-coords' }, c.phones.map((p) =>
          h('li', {}, h('a', { href: 'tel:' + p.value.replace(/[^+\d]/g, '') }, p.value), typeLabel(kPhoneTypes, p.type)))) : null,
        inGroups.length ? h('p', { class: 'contact-groupes' }, 'Groupes : ' + inGroups.join(', ')) : null,
        c.note ? h('p', { class: 'contact-note' }, c.note) : null),
      canWrite ? h('div', { class: 'contact-actions' },
        h('button', { type: 'button', class: 'secondaire', 'aria-label': `Modifier ${name}`, onclick: () => editContact(c) }, 'Modifier'),
        h('button', { type: 'button', class: 'danger', 'aria-label': `Supprimer ${name}`, onclick: () => deleteContact(c) }, 'Supprimer')) : null);
  }

  function typeLabel(types, t) {
    const l = types.find((x) => x.value === String(t ?? '').toLowerCase())?.label;
    return l ? h('span', { class: 'contact-type' }, ` (${l.toLowerCase()})`) : null;
  }

  // Rows of {type, value} (e-mails, phones) edited in a fieldset: add and remove rows.
  // `words`: {item: 'Adresse e-mail', type: 'Type de l’adresse e-mail', remove: 'Retirer
  // l’adresse e-mail', add: 'Ajouter une adresse'}; rows are numbered in their labels.
  function multiField(legend, types, values, inputType, words) {
    const rows = h('div', { class: 'lignes' });
    const add = (v = { type: types[0].value, value: '' }) => {
      const n = rows.children.length + 1;
      const input = h('input', { type: inputType, value: v.value, 'aria-label': `${words.item} ${n}`, autocomplete: 'off' });
      const select = h('select', { 'aria-label': `${words.type} ${n}` },
        types.map((t) => h('option', { value: t.value, selected: t.value === String(v.type ?? '').toLowerCase() }, t.label)));
      const row = h('div', { class: 'ligne' }, input, select,
        h('button', { type: 'button', class: 'secondaire', 'aria-label': `${words.remove} ${n}`, onclick: () => row.remove() }, 'Retirer'));
      row.values = () => ({ type: select.value, value: input.value.trim() });
      rows.append(row);
      return input;
    };
    values.forEach((v) => add(v));
    const box = h('fieldset', { class: 'multi' }, h('legend', {}, legend), rows,
      h('button', { type: 'button', class: 'secondaire', onclick: () => add().focus() }, words.add));
    box.values = () => [...rows.children].map((r) => r.values()).filter((v) => v.value);
    return box;
  }

  async function editContact(c) {
    const given = h('input', { name: 'given', value: c?.given ?? '', autocomplete: 'off' });
    const family = h('input', { name: 'family', value: c?.family ?? '', autocomplete: 'off' });
    const org = h('input', { name: 'org', value: c?.org ?? '', autocomplete: 'off' });
    const title = h('input', { name: 'title', value: c?.title ?? '', autocomplete: 'off' });
    const emails = multiField('Adresses e-mail', kEmailTypes, c?.emails ?? [{ type: 'work', value: '' }], 'email',
      { item: 'Adresse e-mail', type: 'Type de l’adresse e-mail', remove: 'Retirer l’adresse e-mail', add: 'Ajouter une adresse' });
    const phones = multiField('Téléphones', kPhoneTypes, c?.phones ?? [{ type: 'work', value: '' }], 'tel',
      { item: 'Téléphone', type: 'Type du téléphone', remove: 'Retirer le téléphone', add: 'Ajouter un numéro' });
    const note = h('textarea', { name: 'note', rows: 3 });
    note.value = c?.note ?? '';
    const groupBoxes = groups().map((g) => h('label', { class: 'case' },
      h('input', { type: 'checkbox', value: g.uid, checked: c ? (g.members ?? []).includes(c.uid) : g.uid === state.group }), ' ' + displayName(g)));
    const body = [
      h('div', { class: 'deux-colonnes' }, field('Prénom', given), field('Nom', family)),
      h('div', { class: 'deux-colonnes' }, field('Organisation', org), field('Fonction', title)),
      emails, phones, field('Note', note),
      groupBoxes.length ? h('fieldset', { class: 'multi' }, h('legend', {}, 'Groupes'), groupBoxes) : null,
    ];
    const saved = await formDialog(c ? `Modifier ${displayName(c)}` : 'Nouveau contact', body, {
      submit: c ? 'Enregistrer' : 'Créer le contact',
      onSubmit: async () => {
        const fields = { given: given.value.trim(), family: family.value.trim(), org: org.value.trim(),
          title: title.value.trim(), emails: emails.values(), phones: phones.values(), note: note.value };
        if (!fields.given && !fields.family && !fields.org) {
          given.focus();
          throw { status: 400, message: 'Donnez au moins un prénom, un nom ou une organisation.', code: '' };
        }
        fields.fn = [fields.given, fields.family].filter(Boolean).join(' ') || fields.org;
        const base = `/api/v1/addressbooks/${seg(state.book.id)}/contacts`;
        const { contact } = c ? await patch(`${base}/${seg(c.name)}`, fields) : await post(base, { kind: 'individual', ...fields });
        // Group membership lives in the group's card (X-ADDRESSBOOKSERVER-MEMBER).
        for (const box of groupBoxes) {
          const input = box.querySelector('input');
          const g = groups().find((x) => x.uid === input.value);
          const members = g.members ?? [];
          const has = members.includes(contact.uid);
          if (input.checked === has) continue;
          const next = input.checked ? [...members, contact.uid] : members.filter((m) => m !== contact.uid);
          const { contact: group } = await patch(`${base}/${seg(g.name)}`, { members: next });
          replace(group);
        }
        return contact;
      },
    });
    if (!saved) return;
    replace(saved);
    renderGroups();
    renderContacts();
    announce(c ? `Contact ${displayName(saved)} enregistré.` : `Contact ${displayName(saved)} créé.`);
    contactsList.querySelector(`[data-contact="${CSS.escape(saved.name)}"] button`)?.focus();
  }

  function replace(contact) {
    const i = state.contacts.findIndex((x) => x.name === contact.name);
    if (i >= 0) state.contacts[i] = contact; else state.contacts.push(contact);
    // Keep the individuals' "groups" in step with the groups' member lists.
    if (contact.kind === 'group') {
      for (const p of state.contacts) {
        if (p.kind === 'group') continue;
        const inIt = (contact.members ?? []).includes(p.uid);
        const g = new Set(p.groups ?? []);
        if (inIt) g.add(contact.uid); else g.delete(contact.uid);
        p.groups = [...g];
      }
    }
  }

  async function deleteContact(c) {
    const group = c.kind === 'group';
    const name = displayName(c);
    const ok = await confirmDialog(group ? 'Supprimer le groupe' : 'Supprimer le contact',
      group ? `Supprimer le groupe « ${name} » ? Ses membres restent dans le carnet.` : `Supprimer ${name} du carnet « ${state.book.name} » ?`, 'Supprimer');
    if (!ok) return;
    try {
      await del(`/api/v1/addressbooks/${seg(state.book.id)}/contacts/${seg(c.name)}`);
      state.contacts = state.contacts.filter((x) => x.name !== c.name);
      if (state.group === c.uid) state.group = '';
      renderGroups();
      renderContacts();
      contactsHeading.focus();
      announce(group ? `Groupe « ${name} » supprimé.` : `Contact ${name} supprimé.`);
    } catch (e) {
      announce("La suppression n'a pas eu lieu : " + errorText(e), { error: true });
    }
  }

  async function editGroup(g) {
    const name = h('input', { name: 'fn', required: true, maxlength: 200, value: g ? displayName(g) : '' });
    const saved = await formDialog(g ? `Renommer le groupe « ${displayName(g)} »` : 'Nouveau groupe', [field('Nom du groupe', name)], {
      submit: g ? 'Renommer' : 'Créer le groupe',
      onSubmit: async () => {
        const base = `/api/v1/addressbooks/${seg(state.book.id)}/contacts`;
        const fn = name.value.trim();
        return (g ? await patch(`${base}/${seg(g.name)}`, { fn }) : await post(base, { kind: 'group', fn, members: [] })).contact;
      },
    });
    if (!saved) return;
    replace(saved);
    renderGroups();
    renderContacts();
    announce(g ? `Groupe renommé en « ${displayName(saved)} ».` : `Groupe « ${displayName(saved)} » créé.`);
  }

  async function editMembers(g) {
    const boxes = people().map((p) => h('label', { class: 'case' },
      h('input', { type: 'checkbox', value: p.uid, checked: (g.members ?? []).includes(p.uid) }), ' ' + displayName(p)));
    const body = boxes.length
      ? h('fieldset', { class: 'multi membres' }, h('legend', {}, `Membres de « ${displayName(g)} »`), boxes)
      : h('p', {}, 'Ce carnet n’a pas encore de contact à ajouter au groupe.');
    const saved = await formDialog(`Membres du groupe « ${displayName(g)} »`, body, {
      onSubmit: async () => {
        // Members the page does not show (cards of other books) are kept.
        const shown = new Set(people().map((p) => p.uid));
        const members = [...(g.members ?? []).filter((m) => !shown.has(m)),
          ...boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value)];
        return (await patch(`/api/v1/addressbooks/${seg(state.book.id)}/contacts/${seg(g.name)}`, { members })).contact;
      },
    });
    if (!saved) return;
    replace(saved);
    renderGroups();
    renderContacts();
    announce(`Groupe « ${displayName(saved)} » : ${plural((saved.members ?? []).length, 'membre', 'membres')}.`);
  }

  async function importFile(input) {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    if (file.size > kMaxImportBytes) {
      fill(importResult, h('p', { class: 'erreur' }, `Le fichier « ${file.name} » est trop volumineux (5 Mo au plus).`));
      return;
    }
    fill(importResult, h('p', {}, `Import de « ${file.name} » en cours…`));
    try {
      const text = await file.text();
      const r = await post(`/api/v1/addressbooks/${seg(state.book.id)}/import`, text, { type: 'text/vcard; charset=utf-8' });
      const rejected = r.rejected ?? [];
      const updated = r.updated ? ` (dont ${r.updated} mis à jour)` : '';
      fill(importResult, h('div', { class: rejected.length ? 'encadre' : 'info' },
        h('p', {}, `Import de « ${file.name} » : ${plural(r.imported, 'contact importé', 'contacts importés')}${updated}` +
          (rejected.length ? `, ${plural(rejected.length, 'carte refusée', 'cartes refusées')}.` : '.')),
        rejected.length ? h('ul', { class: 'import-refus' }, rejected.map((x) =>
          // "index" counts from 0 in the file (dav/api/contacts_api.h).
          h('li', {}, `Carte n° ${Number(x.index) + 1}${x.uid ? ` (${x.uid})` : ''} : ${rejectionText(x.reason)}`))) : null));
      await loadContacts();
    } catch (e) {
      fill(importResult, h('p', { class: 'erreur' }, `L’import de « ${file.name} » a échoué : ` + errorText(e, { 413: 'Le fichier est trop volumineux.' })));
    }
  }

  async function newBook() {
    const name = h('input', { name: 'name', required: true, maxlength: 200 });
    const created = await formDialog('Nouveau carnet d’adresses', [field('Nom du carnet', name)], {
      submit: 'Créer le carnet',
      onSubmit: async () => {
        const r = await post('/api/v1/addressbooks', { name: name.value.trim() });
        return r.addressbook ?? r;
      },
    });
    if (!created) return;
    await loadBooks();
    await choose(created.id);
    announce(`Carnet « ${created.name ?? name.value} » créé.`);
    booksList.querySelector('[aria-current="true"]')?.focus();
  }

  async function renameBook() {
    const b = state.book;
    const name = h('input', { name: 'name', required: true, maxlength: 200, value: b.name });
    const done = await formDialog(`Renommer le carnet « ${b.name} »`, [field('Nouveau nom', name)], {
      submit: 'Renommer',
      onSubmit: async () => { await patch(`/api/v1/addressbooks/${seg(b.id)}`, { name: name.value.trim() }); return true; },
    });
    if (!done) return;
    await loadBooks();
    state.book = state.books.find((x) => x.id === b.id) ?? null;
    renderBooks();
    renderContacts();
    announce(`Carnet renommé en « ${state.book?.name ?? name.value} ».`);
  }

  async function deleteBook() {
    const b = state.book;
    const ok = await confirmDialog('Supprimer le carnet', `Supprimer le carnet « ${b.name} » et ses ${plural(state.contacts.length, 'fiche', 'fiches')} ? Cette action est définitive.`, 'Supprimer le carnet');
    if (!ok) return;
    try {
      await del(`/api/v1/addressbooks/${seg(b.id)}`);
      await loadBooks();
      await choose((state.books.find(own) ?? state.books[0])?.id);
      announce(`Carnet « ${b.name} » supprimé.`);
      contactsHeading.focus();
    } catch (e) {
      announce("Le carnet n'a pas été supprimé : " + errorText(e), { error: true });
    }
  }
}
