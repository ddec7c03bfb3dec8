// The invitations area (issue 13, people-ui): the events colleagues invited the person to and
// that still wait for an answer (GET /api/v1/invitations, dav/api/scheduling_api.h), each with
// its organizer, time, place and the other attendees' answers; Accepter / Peut-être / Refuser
// for the whole series or one occurrence (POST /api/v1/invitations/{calendar}/{name}/reply).
// An answered invitation leaves the list and the live region confirms it. Share invitations
// (issue 12) belong to the sharing page: this page only points to it when some wait.
import { get, post, seg } from '../lib/api.js';
import { h, fill, announce } from '../lib/dom.js';
import { formatDateLong, formatTime } from '../lib/format.js';
import { attendeeAnswers, bareAddress } from './answers.js';
import { utc } from './attendees.js';

const kReplies = [
  { answer: 'accepted', label: 'Accepter', done: 'acceptée', cls: 'principal' },
  { answer: 'tentative', label: 'Peut-être', done: 'notée « peut-être »', cls: 'secondaire' },
  { answer: 'declined', label: 'Refuser', done: 'refusée', cls: 'danger' },
];

// "lundi 7 décembre 2026, 14:30 – 15:30" (or the days of an all-day event, end exclusive).
export function formatWhen(startIso, endIso, allDay) {
  const s = new Date(startIso);
  const e = new Date(endIso);
  if (allDay) {
    const last = new Date(Date.UTC(e.getUTCFullYear(), e.getUTCMonth(), e.getUTCDate() - 1));
    const first = new Date(Date.UTC(s.getUTCFullYear(), s.getUTCMonth(), s.getUTCDate()));
    const day = (d) => formatDateLong(new Date(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
    return last > first ? `du ${day(first)} au ${day(last)} (journée entière)` : `${day(first)} (journée entière)`;
  }
  const sameDay = s.toDateString() === e.toDateString();
  return sameDay ? `${formatDateLong(s)}, ${formatTime(s)} – ${formatTime(e)}`
    : `du ${formatDateLong(s)}, ${formatTime(s)} au ${formatDateLong(e)}, ${formatTime(e)}`;
}

export function mount(root) {
  const host = root.querySelector('.app-contenu') ?? root;
  const list = h('div', { class: 'invitations-liste' });
  const shares = h('div', { class: 'invitations-partage' });
  const sent = h('div', { class: 'envoyees-liste' });
  // The layout renders the page's <h1> (server/web/app_pages.cc); focus returns to it when the
  // last invitation is answered.
  const heading = document.querySelector('#contenu h1') ?? h('h1', {}, 'Invitations');
  heading.setAttribute('tabindex', '-1');
  fill(host, h('div', { class: 'invitations' },
    heading.isConnected ? null : heading,
    h('p', { class: 'chapo' }, 'Les évènements auxquels vos collègues vous invitent et qui attendent votre réponse.'),
    shares, list,
    h('section', { class: 'invitations-envoyees', 'aria-labelledby': 'envoyees-titre' },
      h('h2', { id: 'envoyees-titre' }, 'Réponses à vos invitations'),
      h('p', { class: 'chapo' }, `Les évènements des ${kSentDays} prochains jours que vous organisez, et ce que chacun a répondu.`),
      sent)));
  load(list, heading);
  loadSent(sent);
  get('/api/v1/me/invitations').then((r) => {
    const n = (r?.invitations ?? []).length;
    if (n) {
      fill(shares, h('p', { class: 'info' },
        `${n} invitation${n > 1 ? 's' : ''} de partage d’agenda ou de carnet attend${n > 1 ? 'ent' : ''} aussi votre réponse : `,
        h('a', { href: '/partage' }, 'les voir sur la page Partage'), '.'));
    }
  }).catch(() => {});
}

async function load(list, heading) {
  fill(list, h('p', { class: 'chargement' }, 'Chargement…'));
  let invitations;
  try {
    invitations = (await get('/api/v1/invitations')).invitations ?? [];
  } catch (e) {
    fill(list, h('p', { class: 'erreur', role: 'alert' }, e.message));
    return;
  }
  render(list, heading, invitations);
}

function render(list, heading, invitations) {
  if (!invitations.length) {
    fill(list, h('p', { class: 'vide' }, 'Aucune invitation en attente.'));
    return;
  }
  fill(list, h('ul', { class: 'cartes', 'aria-label': 'Invitations en attente' },
    invitations.map((inv) => card(inv, () => {
      const rest = invitations.filter((x) => x !== inv);
      invitations.splice(0, invitations.length, ...rest);
      render(list, heading, invitations);
      const next = list.querySelector('.invitation h2');
      (next ?? heading).focus();
    }))));
}

// The events the person organizes in the coming weeks, with the attendees' answers
// (GET /api/v1/calendars, then each calendar's events over the range).
const kSentDays = 60;
async function loadSent(box) {
  fill(box, h('p', { class: 'chargement-envoyees' }, 'Chargement…'));
  try {
    const [me, cals] = await Promise.all([get('/api/v1/me'), get('/api/v1/calendars')]);
    const mine = [me.email, me.login].filter(Boolean).map((x) => x.toLowerCase());
    const from = new Date();
    const to = new Date(from.getTime() + kSentDays * 86400_000);
    const range = `from=${encodeURIComponent(utc(from))}&to=${encodeURIComponent(utc(to))}`;
    const events = [];
    const seen = new Set();
    for (const c of (cals.calendars ?? []).filter((x) => x.access === 'owner' || x.owner?.login === me.login)) {
      if (c.components && !c.components.includes('VEVENT')) continue;
      const r = await get(`/api/v1/calendars/${seg(c.id)}/events?${range}`);
      for (const e of r.events ?? r.occurrences ?? []) {
        const organizer = bareAddress(e.organizer?.address ?? e.organizer).toLowerCase();
        const isMine = e.organizer_is_me ?? mine.some((m) => organizer === m || organizer.endsWith(`/${m}/`));
        if (!isMine || !(e.attendees ?? []).length || seen.has(e.uid)) continue;
        seen.add(e.uid);  // one line per series: its next occurrence
        events.push(e);
      }
    }
    events.sort((a, b) => (a.start < b.start ? -1 : 1));
    if (!events.length) {
      fill(box, h('p', { class: 'vide' }, 'Vous n’organisez aucun évènement avec des participants dans les semaines qui viennent.'));
      return;
    }
    fill(box, h('ul', { class: 'cartes' }, events.map((e, i) => h('li', { class: 'envoyee', dataset: { uid: e.uid } },
      h('article', { 'aria-labelledby': `env-${i}` },
        h('h3', { id: `env-${i}` }, e.summary || 'Sans titre'),
        h('p', { class: 'quand' }, formatWhen(e.start, e.end, e.all_day)),
        attendeeAnswers(e.attendees.filter((a) => !mine.includes(bareAddress(a.address).toLowerCase()))))))));
  } catch (e) {
    fill(box, h('p', { class: 'erreur' }, e.message));
  }
}

let cards = 0;
function card(inv, answered) {
  const id = `inv-${++cards}`;
  const others = (inv.attendees ?? []).filter((a) => !a.me);
  const organizer = inv.organizer ?? {};
  const orgAddress = bareAddress(organizer.address);
  const scope = inv.recurring ? h('fieldset', { class: 'portee' },
    h('legend', {}, 'Répondre pour'),
    h('label', {}, h('input', { type: 'radio', name: `${id}-portee`, value: 'all', checked: true }), ' toute la série'),
    h('label', {}, h('input', { type: 'radio', name: `${id}-portee`, value: 'one' }),
      ` cette occurrence seulement (${formatDateLong(new Date(inv.start))})`)) : null;
  const buttons = kReplies.map((r) => h('button', {
    type: 'button', class: `repondre ${r.cls}`, dataset: { answer: r.answer },
    'aria-describedby': `${id}-titre`,
    onclick: async (ev) => {
      const all = [...ev.currentTarget.parentElement.querySelectorAll('button')];
      all.forEach((b) => { b.disabled = true; });
      const one = scope?.querySelector('input[value="one"]')?.checked;
      const [calendar, name] = String(inv.id).split('/');
      try {
        await post(`/api/v1/invitations/${seg(calendar)}/${seg(name)}/reply`,
          one ? { answer: r.answer, occurrence: inv.start } : { answer: r.answer });
        announce(`Invitation « ${inv.summary || 'sans titre'} » ${r.done}${one ? ' pour cette occurrence' : ''}.`);
        answered();
      } catch (e) {
        all.forEach((b) => { b.disabled = false; });
        announce(e.message, { error: true });
      }
    },
  }, r.label));
  return h('li', { class: 'invitation', dataset: { id: inv.id } },
    h('article', { 'aria-labelledby': `${id}-titre` },
      h('h2', { id: `${id}-titre`, tabindex: '-1' }, inv.summary || 'Sans titre'),
      h('dl', { class: 'details' },
        h('dt', {}, 'Quand'), h('dd', {}, formatWhen(inv.start, inv.end, inv.all_day),
          inv.recurring ? h('span', { class: 'repete' }, ' — évènement répété') : null),
        inv.location ? [h('dt', {}, 'Lieu'), h('dd', {}, inv.location)] : null,
        h('dt', {}, 'Organisateur'), h('dd', {}, organizer.name || orgAddress,
          organizer.name && orgAddress ? h('span', { class: 'adresse' }, ` <${orgAddress}>`) : null)),
      others.length ? h('details', { class: 'participants' },
        h('summary', {}, `${others.length} autre${others.length > 1 ? 's' : ''} participant${others.length > 1 ? 's' : ''}`),
        attendeeAnswers(others)) : null,
      scope,
      h('div', { class: 'boutons' }, buttons)));
}
