// Attendees of an event (issue 13, people-ui), used by the agenda's event form:
//   attendeePicker(initial, {onChange})  a combobox with directory autocomplete (people, and
//       department/establishment groups), a department filter, chips with remove buttons and
//       free e-mail addresses. Returns an element; element.attendees is the current list
//       [{address, name, login?, group?}] in the shape POST /api/v1/calendars/{id}/events takes.
//   freeBusyGrid({attendees, start, end, onPick, organizer?})  "Disponibilité de l'équipe": the
//       organizer and every attendee over the chosen day, 8h–19h in 30-minute columns, busy
//       blocks, the proposed slot, "Créneau suivant disponible"; clicking a column proposes
//       that time (onPick(start, end), same duration). Returns an element with
//       element.update({attendees?, start?, end?}).
// The combobox follows the ARIA 1.2 combobox pattern (list popup, aria-activedescendant):
// ↓/↑ move in the suggestions, Entrée chooses (or adds the typed address), Échap closes.
import { get, post, seg } from '../lib/api.js';
import { h, fill, announce } from '../lib/dom.js';
import { formatDateLong, formatTime } from '../lib/format.js';

let instances = 0;
const kEmail = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

// Accent- and case-insensitive comparison for the groups filtered in the page (people are
// searched by the server, which applies the same rule).
export function fold(s) {
  return String(s ?? '').normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
function matchesWords(text, query) {
  const words = fold(text).split(/[^\p{L}\p{N}]+/u).filter(Boolean);
  return fold(query).split(/[^\p{L}\p{N}]+/u).filter(Boolean)
    .every((q) => words.some((w) => w.startsWith(q)));
}

export function groupKey(g) {
  return g.key ?? (g.code !== undefined ? `departement-${g.code}` : `etablissement-${g.uai}`);
}

// GET /api/v1/directory/groups, once per page.
let groupsPromise = null;
export function directoryGroups() {
  groupsPromise ??= get('/api/v1/directory/groups').catch((e) => { groupsPromise = null; throw e; });
  return groupsPromise;
}

// RFC 3339 UTC without the milliseconds toISOString() adds (the API reads whole seconds).
export const utc = (d) => new Date(d).toISOString().replace(/\.\d{3}Z$/, 'Z');

const norm = (address) => String(address ?? '').replace(/^mailto:/i, '').trim().toLowerCase();

export function attendeePicker(initial = [], { onChange, label = 'Ajouter des participants' } = {}) {
  const n = ++instances;
  const ids = { input: `invite-${n}`, list: `invite-${n}-liste`, hint: `invite-${n}-aide`,
    dep: `invite-${n}-dep`, chips: `invite-${n}-puces` };
  let chosen = [];
  let options = [];  // what the listbox shows: {kind: 'person'|'group'|'address', ...}
  let active = -1;
  let timer = 0;
  let controller = null;
  let groups = { departements: [], etablissements: [] };

  const input = h('input', {
    id: ids.input, type: 'text', role: 'combobox', autocomplete: 'off', spellcheck: 'false',
    'aria-autocomplete': 'list', 'aria-expanded': 'false', 'aria-controls': ids.list,
    'aria-describedby': ids.hint, class: 'combo-saisie',
  });
  const listbox = h('ul', { id: ids.list, role: 'listbox', class: 'combo-liste', hidden: true,
    'aria-label': 'Suggestions de l’annuaire' });
  const depSelect = h('select', { id: ids.dep, class: 'filtre-departement' },
    h('option', { value: '' }, 'Tous les départements'));
  const chips = h('ul', { id: ids.chips, class: 'puces', 'aria-label': 'Participants invités' });
  const element = h('div', { class: 'invites' },
    h('div', { class: 'invites-recherche' },
      h('div', { class: 'champ combo' },
        h('label', { for: ids.input }, label),
        input,
        h('p', { class: 'aide', id: ids.hint },
          'Nom, fonction ou établissement d’un collègue, un groupe, ou une adresse e-mail.'),
        listbox),
      h('div', { class: 'champ' }, h('label', { for: ids.dep }, 'Département'), depSelect)),
    chips);

  directoryGroups().then((g) => {
    groups = g ?? groups;
    for (const d of groups.departements ?? []) {
      depSelect.append(h('option', { value: d.code }, d.name));
    }
  }).catch(() => { /* the picker still takes people and addresses */ });

  function changed() {
    renderChips();
    onChange?.(element.attendees);
  }

  function renderChips() {
    fill(chips, chosen.map((a) => h('li', { class: 'puce', dataset: { address: a.address } },
      h('span', { class: 'puce-nom' }, a.name || a.address),
      a.name && a.name !== a.address ? h('span', { class: 'puce-adresse' }, a.address) : null,
      h('button', {
        type: 'button', class: 'puce-retirer', 'aria-label': `Retirer ${a.name || a.address}`,
        onclick: () => remove(a),
      }, '×'))));
    chips.hidden = chosen.length === 0;
  }

  function add(list) {
    const added = [];
    for (const a of list) {
      if (!a.address || chosen.some((c) => norm(c.address) === norm(a.address))) continue;
      chosen.push(a);
      added.push(a);
    }
    if (added.length) changed();
    return added;
  }

  function remove(a) {
    chosen = chosen.filter((c) => c !== a);
    changed();
    announce(`${a.name || a.address} retiré des participants.`);
    input.focus();
  }

  function open() {
    listbox.hidden = options.length === 0;
    input.setAttribute('aria-expanded', String(!listbox.hidden));
  }
  function close() {
    listbox.hidden = true;
    input.setAttribute('aria-expanded', 'false');
    input.removeAttribute('aria-activedescendant');
    active = -1;
  }
  function setActive(i) {
    active = i;
    [...listbox.children].forEach((li, k) => li.setAttribute('aria-selected', String(k === i)));
    if (i >= 0 && listbox.children[i]) {
      input.setAttribute('aria-activedescendant', listbox.children[i].id);
      listbox.children[i].scrollIntoView({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
  }

  function renderOptions() {
    fill(listbox, options.map((o, i) => h('li', {
      id: `${ids.list}-${i}`, role: 'option', 'aria-selected': 'false', class: `option ${o.kind}`,
      onclick: () => choose(i),
    },
    h('span', { class: 'option-nom' }, o.label),
    o.detail ? h('span', { class: 'option-detail' }, o.detail) : null)));
    active = -1;
    open();
  }

  async function search() {
    const text = input.value.trim();
    controller?.abort();
    options = [];
    if (text.length < 2) { renderOptions(); return; }
    const dep = depSelect.value;
    const found = [];
    controller = new AbortController();
    try {
      const params = new URLSearchParams({ q: text, limit: '10' });
      if (dep) params.set('departement', dep);
      const r = await get(`/api/v1/directory?${params}`, { signal: controller.signal });
      for (const p of r.people ?? []) {
        if (!p.email && !p.login) continue;
        found.push({ kind: 'person', label: p.name,
          detail: [p.fonction, p.etablissement].filter(Boolean).join(' — '),
          attendee: { address: p.email || p.login, name: p.name, login: p.login } });
      }
    } catch (e) {
      if (e.name === 'AbortError') return;
      announce(e.message, { error: true });
    }
    const all = [...(groups.departements ?? []), ...(groups.etablissements ?? [])];
    for (const g of all) {
      if (dep && g.code !== undefined && g.code !== dep) continue;
      if (!matchesWords(g.name, text) && !(g.uai && fold(g.uai).startsWith(fold(text)))) continue;
      found.push({ kind: 'group', label: g.name,
        detail: g.email ? `Groupe — ${g.email}` : `Groupe — ${g.members} membre${g.members > 1 ? 's' : ''}`,
        group: g });
      if (found.length >= 14) break;
    }
    if (kEmail.test(text) && !found.some((o) => o.attendee && norm(o.attendee.address) === norm(text))) {
      found.push({ kind: 'address', label: `Inviter l’adresse ${text}`, attendee: { address: text, name: '' } });
    }
    options = found;
    renderOptions();
    announce(options.length ? `${options.length} suggestion${options.length > 1 ? 's' : ''}.` : 'Aucune suggestion.');
  }

  async function choose(i) {
    const o = options[i];
    if (!o) return;
    close();
    input.value = '';
    options = [];
    input.focus();
    if (o.kind !== 'group') {
      const added = add([o.attendee]);
      announce(added.length ? `${o.attendee.name || o.attendee.address} ajouté aux participants.`
        : `${o.attendee.name || o.attendee.address} est déjà invité.`);
      return;
    }
    const g = o.group;
    if (g.email) {
      // A group with a scheduling address is invited as one attendee (CUTYPE=GROUP on the
      // server's side), so later members see it too.
      add([{ address: g.email, name: g.name, group: true }]);
      announce(`Groupe ${g.name} ajouté aux participants.`);
      return;
    }
    try {
      const r = await get(`/api/v1/directory/groups/${seg(groupKey(g))}/members`);
      const added = add((r.people ?? []).filter((p) => p.email || p.login)
        .map((p) => ({ address: p.email || p.login, name: p.name, login: p.login })));
      announce(`${added.length} membre${added.length > 1 ? 's' : ''} de ${g.name} ajouté${added.length > 1 ? 's' : ''}.`);
    } catch (e) {
      announce(e.message, { error: true });
    }
  }

  function addTyped() {
    const text = input.value.trim();
    if (!kEmail.test(text)) return false;
    add([{ address: text, name: '' }]);
    announce(`${text} ajouté aux participants.`);
    input.value = '';
    options = [];
    close();
    return true;
  }

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(search, 250);
  });
  depSelect.addEventListener('change', () => { if (input.value.trim()) search(); });
  input.addEventListener('keydown', (ev) => {
    const count = options.length;
    switch (ev.key) {
      case 'ArrowDown':
        ev.preventDefault();
        if (listbox.hidden) { open(); if (!ev.altKey && count) setActive(0); }
        else if (count) setActive((active + 1) % count);
        break;
      case 'ArrowUp':
        ev.preventDefault();
        if (listbox.hidden) { open(); if (count) setActive(count - 1); }
        else if (count) setActive(active <= 0 ? count - 1 : active - 1);
        break;
      case 'Enter':
        // Entrée never submits the event form from here: it chooses or adds.
        if (!listbox.hidden && active >= 0) { ev.preventDefault(); choose(active); }
        else if (input.value.trim()) { ev.preventDefault(); if (!addTyped()) search(); }
        break;
      case 'Escape':
        if (!listbox.hidden) { ev.preventDefault(); ev.stopPropagation(); close(); }
        else if (input.value) { ev.preventDefault(); ev.stopPropagation(); input.value = ''; }
        break;
      case 'Tab':
        close();
        break;
      default:
    }
  });
  input.addEventListener('blur', () => setTimeout(() => {
    if (!element.contains(document.activeElement)) close();
  }, 150));
  // A press in the list keeps the focus in the input (the pattern's "DOM focus stays on the
  // combobox").
  listbox.addEventListener('mousedown', (ev) => ev.preventDefault());

  Object.defineProperty(element, 'attendees', {
    get: () => chosen.map((a) => ({ ...a })),
    set: (list) => { chosen = []; add((list ?? []).map(fromEvent)); if (!(list ?? []).length) changed(); },
  });
  element.input = input;
  add((initial ?? []).map(fromEvent));
  renderChips();
  return element;
}

// The event JSON's attendees ({address: "mailto:…", name, partstat}) or plain strings.
function fromEvent(a) {
  if (typeof a === 'string') return { address: norm(a) === '' ? a : a.replace(/^mailto:/i, ''), name: '' };
  return { ...a, address: String(a.address ?? a.email ?? '').replace(/^mailto:/i, ''), name: a.name ?? '' };
}

// ---- Free/busy grid -------------------------------------------------------------------------

const kFirstHour = 8;
const kLastHour = 19;
const kStep = 30 * 60 * 1000;
const kSearchDays = 14;

let me = null;
function whoAmI() {
  me ??= get('/api/v1/me').catch(() => { me = null; return null; });
  return me;
}

function dayAt(d, hour) {
  const x = new Date(d);
  x.setHours(hour, 0, 0, 0);
  return x;
}

export function freeBusyGrid({ attendees = [], start, end, onPick, organizer } = {}) {
  let state = { attendees, start: new Date(start ?? Date.now()), end: new Date(end ?? Date.now()) };
  if (!(state.end > state.start)) state.end = new Date(state.start.getTime() + 3600_000);
  let rows = [];  // [{label, status, busy: [{start, end, type}]}]
  let fetched = null;  // {from, to, key}
  let seq = 0;
  const n = ++instances;
  const titleId = `dispo-${n}-titre`;
  const status = h('p', { class: 'dispo-etat', role: 'status' });
  const table = h('table', { class: 'dispo-grille' });
  const scroller = h('div', { class: 'defile', tabindex: '0', role: 'group', 'aria-labelledby': titleId }, table);
  const nextButton = h('button', { type: 'button', class: 'dispo-suivant', onclick: () => jumpToNext() },
    'Créneau suivant disponible');
  const element = h('section', { class: 'dispo', 'aria-labelledby': titleId },
    h('h3', { id: titleId }, 'Disponibilité de l’équipe'),
    h('div', { class: 'dispo-barre' }, h('p', { class: 'dispo-jour' }), nextButton),
    scroller, status,
    h('p', { class: 'dispo-legende', 'aria-hidden': 'true' },
      h('span', { class: 'cle occupe' }), ' occupé ', h('span', { class: 'cle provisoire' }), ' provisoire ',
      h('span', { class: 'cle propose' }), ' créneau proposé'));

  const people = () => {
    const list = [];
    for (const a of state.attendees ?? []) {
      const id = a.login || String(a.address ?? '').replace(/^mailto:/i, '');
      if (id && !list.some((x) => x.id.toLowerCase() === id.toLowerCase())) list.push({ id, label: a.name || id });
    }
    return list;
  };

  async function load() {
    const mine = ++seq;
    const org = organizer ?? (await whoAmI())?.login;
    const list = people();
    const ids = [...(org ? [org] : []), ...list.map((p) => p.id)]
      .filter((id, i, all) => all.findIndex((x) => x.toLowerCase() === id.toLowerCase()) === i);
    const from = dayAt(state.start, 0);
    const to = new Date(from.getTime() + (kSearchDays + 1) * 86400_000);
    const key = ids.join('\n');
    if (fetched && fetched.key === key && state.start >= fetched.from && state.end <= dayAt(fetched.to, 0)) {
      render();
      return;
    }
    status.textContent = 'Chargement des disponibilités…';
    try {
      const r = await post('/api/v1/freebusy', { attendees: ids.slice(0, 50), from: utc(from), to: utc(to) });
      if (mine !== seq) return;
      rows = (r.attendees ?? []).map((a, i) => ({
        id: a.attendee,
        label: i === 0 && org ? `${a.name || org} (organisateur)` : (a.name || list.find((p) => p.id === a.attendee)?.label || a.attendee),
        status: a.status,
        busy: (a.busy ?? []).map((b) => ({ start: new Date(b.start), end: new Date(b.end), type: b.type })),
      }));
      fetched = { from, to, key };
      status.textContent = '';
      render();
    } catch (e) {
      if (mine !== seq) return;
      status.textContent = e.message;
    }
  }

  const overlaps = (b, s, e) => b.start < e && b.end > s;
  const busyAt = (row, s, e) => row.busy.find((b) => overlaps(b, s, e));
  const everyoneFree = (s, e) => rows.every((r) => r.status !== 'ok' || !busyAt(r, s, e));

  function render() {
    const day = dayAt(state.start, 0);
    element.querySelector('.dispo-jour').textContent = formatDateLong(day);
    const slots = [];
    for (let t = dayAt(day, kFirstHour).getTime(); t < dayAt(day, kLastHour).getTime(); t += kStep) {
      slots.push([new Date(t), new Date(t + kStep)]);
    }
    const duration = state.end - state.start;
    const head = h('tr', {}, h('th', { scope: 'col', class: 'dispo-nom' }, 'Participant'),
      slots.map(([s, e]) => {
        const free = everyoneFree(s, e);
        const proposed = overlaps({ start: state.start, end: state.end }, s, e);
        return h('th', { scope: 'col', class: `dispo-heure${proposed ? ' propose' : ''}${free ? '' : ' pris'}` },
          h('button', {
            type: 'button', class: 'dispo-choisir', 'aria-pressed': String(proposed),
            'aria-label': `${formatTime(s)}, ${free ? 'libre pour tous' : 'quelqu’un est occupé'}`,
            onclick: () => pick(s, new Date(s.getTime() + duration)),
          }, s.getMinutes() === 0 ? `${s.getHours()}h` : h('span', { class: 'demi' }, '30')));
      }));
    const body = rows.map((r) => h('tr', { class: r.status === 'ok' ? '' : 'inconnu' },
      h('th', { scope: 'row', class: 'dispo-nom' }, r.label,
        r.status !== 'ok' ? h('span', { class: 'dispo-note' }, r.status === 'external'
          ? ' (extérieur : disponibilité inconnue)' : ' (disponibilité inconnue)') : null),
      slots.map(([s, e]) => {
        const b = r.status === 'ok' ? busyAt(r, s, e) : null;
        const proposed = overlaps({ start: state.start, end: state.end }, s, e);
        const kind = b ? (b.type === 'BUSY-TENTATIVE' ? 'provisoire' : 'occupe') : 'libre';
        return h('td', {
          class: `${kind}${proposed ? ' propose' : ''}`,
          onclick: () => pick(s, new Date(s.getTime() + duration)),
        }, b ? h('span', { class: 'invisible' }, `${formatTime(s)} ${kind === 'provisoire' ? 'provisoire' : 'occupé'}`) : null);
      })));
    fill(table,
      h('caption', { class: 'invisible' },
        `Disponibilités du ${formatDateLong(day)}, de ${kFirstHour} h à ${kLastHour} h par demi-heure`),
      h('thead', {}, head), h('tbody', {}, body));
    // On a narrow screen the grid scrolls: bring the proposed slot into view.
    const first = table.querySelector('th.propose');
    const names = table.querySelector('th.dispo-nom');
    if (first && names && scroller.clientWidth < scroller.scrollWidth) {
      scroller.scrollLeft = Math.max(0, first.offsetLeft - names.offsetWidth - 8);
    }
  }

  function pick(s, e) {
    state.start = s;
    state.end = e;
    onPick?.(new Date(s), new Date(e));
    render();
    const clash = rows.filter((r) => r.status === 'ok' && busyAt(r, s, e)).map((r) => r.label);
    announce(`Créneau proposé : ${formatDateLong(s)} de ${formatTime(s)} à ${formatTime(e)}${
      clash.length ? `, occupé pour ${clash.join(', ')}` : ', libre pour tous'}.`);
  }

  // The next start (on the half hour, after the proposed one, 8h–19h, Monday to Friday) where
  // every attendee whose availability is known is free for the event's whole duration.
  function jumpToNext() {
    if (!fetched) return;
    const duration = state.end - state.start;
    let t = new Date(Math.floor(state.start.getTime() / kStep) * kStep + kStep);
    while (t < fetched.to) {
      const dow = t.getDay();
      const e = new Date(t.getTime() + duration);
      if (dow !== 0 && dow !== 6 && t >= dayAt(t, kFirstHour) && e <= dayAt(t, kLastHour) && everyoneFree(t, e)) {
        pick(t, e);
        return;
      }
      t = t >= dayAt(t, kLastHour) ? dayAt(new Date(dayAt(t, 0).getTime() + 36 * 3600_000), kFirstHour)
        : new Date(t.getTime() + kStep);
    }
    announce(`Aucun créneau commun libre dans les ${kSearchDays} jours suivants.`);
  }

  element.update = (next = {}) => {
    if (next.attendees) state.attendees = next.attendees;
    if (next.start) state.start = new Date(next.start);
    if (next.end) state.end = new Date(next.end);
    if (!(state.end > state.start)) state.end = new Date(state.start.getTime() + 3600_000);
    return load();
  };
  element.ready = (state.attendees ?? []).length ? load() : Promise.resolve();
  return element;
}

// ---- The agenda's event form ---------------------------------------------------------------

// The factory the agenda's event form takes (src/agenda/attendees.js setAttendeePicker):
// factory({attendees, form}) → {element, value()}, `form` giving start()/end() of the event
// being edited and, when the form has it, setTimes(start, end). The team's grid appears once
// there is an attendee and follows the form's dates; a click in it moves the event.
export function eventFormAttendees({ attendees = [], form } = {}) {
  const times = () => ({ start: form?.start?.(), end: form?.end?.() });
  const valid = (d) => d instanceof Date && !Number.isNaN(d.getTime());
  let grid = null;
  const gridBox = h('div', { class: 'dispo-boite' });
  const refresh = () => {
    const list = picker.attendees;
    gridBox.hidden = list.length === 0;
    if (!list.length) return;
    const { start, end } = times();
    if (!grid) {
      grid = freeBusyGrid({ attendees: list, start: valid(start) ? start : new Date(),
        end: valid(end) ? end : undefined, onPick: (s, e) => setFormTimes(form, element, s, e) });
      gridBox.append(grid);
    } else {
      grid.update({ attendees: list, ...(valid(start) ? { start } : {}), ...(valid(end) ? { end } : {}) });
    }
  };
  const picker = attendeePicker(attendees, { onChange: refresh });
  // /agenda?nouveau=1&invite=<email>[&invite=…] (the annuaire's "Inviter"): the new event's
  // form starts with these attendees, named from the directory; the query is dropped once used
  // so that the next form does not get them again.
  const url = new URL(location.href);
  const invited = url.searchParams.getAll('invite').filter((x) => kEmail.test(x));
  if (!attendees.length && invited.length) {
    url.searchParams.delete('invite');
    url.searchParams.delete('nouveau');
    history.replaceState(history.state, '', url.pathname + (url.search || '') + url.hash);
    Promise.all(invited.map(async (address) => {
      try {
        const r = await get(`/api/v1/directory?${new URLSearchParams({ q: address, limit: '5' })}`);
        const p = (r.people ?? []).find((x) => norm(x.email) === norm(address));
        return p ? { address: p.email, name: p.name, login: p.login } : { address, name: '' };
      } catch {
        return { address, name: '' };
      }
    })).then((list) => { picker.attendees = [...picker.attendees, ...list]; });
  }
  const element = h('fieldset', { class: 'participants-choix' }, h('legend', {}, 'Participants'), picker, gridBox);
  // The dates live in the form around us: follow their changes once we are in it.
  setTimeout(() => element.closest('form')?.addEventListener('change', (ev) => {
    if (grid && !element.contains(ev.target)) refresh();
  }), 0);
  refresh();
  return { element, value: () => picker.attendees.map(({ address, name }) => ({ address, name })) };
}

// The form's setTimes when it has one; else its date and time fields (#ev-debut-date,
// #ev-debut-heure, #ev-fin-date, #ev-fin-heure of src/agenda/form.js), with the events a
// person's typing would fire.
function setFormTimes(form, element, s, e) {
  if (typeof form?.setTimes === 'function') { form.setTimes(s, e); return; }
  const root = element.closest('form') ?? document;
  const two = (n) => String(n).padStart(2, '0');
  const set = (id, v) => {
    const f = root.querySelector(`#${id}`);
    if (!f) return;
    f.value = v;
    f.dispatchEvent(new Event('input', { bubbles: true }));
    f.dispatchEvent(new Event('change', { bubbles: true }));
  };
  const date = (d) => `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
  set('ev-debut-date', date(s));
  set('ev-debut-heure', `${two(s.getHours())}:${two(s.getMinutes())}`);
  set('ev-fin-date', date(e));
  set('ev-fin-heure', `${two(e.getHours())}:${two(e.getMinutes())}`);
}
