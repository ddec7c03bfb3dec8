// The agenda area (issue 13): day, week, month and list views of the person's calendars (own,
// shared, establishment and department agendas) with FullCalendar 6, a side panel of calendars
// to show or hide, the event form, drag and drop, printing and the PDF download.
import { Calendar } from '@fullcalendar/core';
import frLocale from '@fullcalendar/core/locales/fr';
import dayGridPlugin from '@fullcalendar/daygrid';
import timeGridPlugin from '@fullcalendar/timegrid';
import listPlugin from '@fullcalendar/list';
import interactionPlugin from '@fullcalendar/interaction';
import { get } from '../lib/api.js';
import { h, fill, announce, dialog } from '../lib/dom.js';
import { isoDate } from '../lib/format.js';
import { planningTitle, printPlanning } from '../print/index.js';
import {
  loadCalendars, calendarColor, toFcEvent, fetchRange, createEvent, updateEvent, deleteEvent,
  timesInput,
} from './data.js';
import { eventForm } from './form.js';

const kViews = [
  { id: 'timeGridDay', kind: 'jour', label: 'Jour', aria: 'Vue par jour' },
  { id: 'timeGridWeek', kind: 'semaine', label: 'Semaine', aria: 'Vue par semaine' },
  { id: 'dayGridMonth', kind: 'mois', label: 'Mois', aria: 'Vue par mois' },
  { id: 'listWeek', kind: 'liste', label: 'Liste', aria: 'Vue en liste (semaine)' },
];
const kHiddenKey = 'cartable.agenda.masques';
const kViewKey = 'cartable.agenda.vue';

// Hidden calendars are remembered per person (a shared computer keeps each one's choice).
function readHidden(login) {
  try { return new Set(JSON.parse(localStorage.getItem(`${kHiddenKey}.${login}`) ?? '[]')); } catch { return new Set(); }
}
function saveHidden(login, set) {
  try { localStorage.setItem(`${kHiddenKey}.${login}`, JSON.stringify([...set])); } catch { /* private mode */ }
}

// Asks which occurrences a change applies to; resolves 'one' | 'following' | 'all' | null.
export function askScope(verb) {
  return dialog(`${verb} un évènement répété`,
    h('p', {}, 'Cet évènement fait partie d’une série. À quels évènements la modification s’applique-t-elle ?'),
    [{ label: 'Cet évènement seulement', value: 'one', class: 'principal' },
      { label: 'Cet évènement et les suivants', value: 'following' },
      { label: 'Tous les évènements', value: 'all' },
      { label: 'Annuler', value: null }]);
}

export async function mount(root) {
  const host = root.querySelector('.app-contenu') ?? root;
  fill(host, h('p', {}, 'Chargement…'));
  let calendars;
  let me = {};
  try {
    [calendars, me] = await Promise.all([loadCalendars(), get('/api/v1/me').catch(() => ({}))]);
  } catch (e) {
    fill(host, h('p', { class: 'erreur', role: 'alert' }, e.message));
    return;
  }
  const personName = me.display_name || me.login || '';
  const hidden = readHidden(me.login ?? '');
  const byId = new Map(calendars.map((c) => [c.id, c]));
  const writable = () => calendars.filter((c) => c.writable !== false && (c.access ?? 'owner') !== 'read');
  const isWritable = (c) => c && c.writable !== false && (c.access ?? 'owner') !== 'read';

  // --- toolbar ------------------------------------------------------------------------------
  const title = h('h2', { id: 'agenda-periode', class: 'agenda-periode', 'aria-live': 'polite' });
  const dateInput = h('input', { type: 'date', id: 'agenda-aller', name: 'aller', value: isoDate(new Date()) });
  const viewButtons = kViews.map((v) => h('button', {
    type: 'button', class: 'vue', 'data-vue': v.id, 'aria-label': v.aria, 'aria-pressed': 'false',
    onclick: () => { calendar.changeView(v.id); },
  }, v.label));
  const toolbar = h('div', { class: 'agenda-barre', role: 'toolbar', 'aria-label': 'Navigation dans l’agenda' },
    h('div', { class: 'groupe' },
      h('button', { type: 'button', class: 'aujourdhui', onclick: () => calendar.today() }, 'Aujourd’hui'),
      h('button', { type: 'button', class: 'precedent', 'aria-label': 'Période précédente', onclick: () => calendar.prev() },
        h('span', { 'aria-hidden': 'true' }, '‹')),
      h('button', { type: 'button', class: 'suivant', 'aria-label': 'Période suivante', onclick: () => calendar.next() },
        h('span', { 'aria-hidden': 'true' }, '›')),
      h('label', { for: 'agenda-aller', class: 'aller-label' }, 'Aller au'), dateInput),
    h('div', { class: 'groupe vues', role: 'group', 'aria-label': 'Affichage' }, viewButtons),
    h('div', { class: 'groupe actions' },
      h('button', { type: 'button', class: 'principal nouveau', onclick: () => openNew() }, 'Nouvel évènement'),
      h('button', { type: 'button', class: 'imprimer', onclick: () => doPrint() }, 'Imprimer'),
      h('button', { type: 'button', class: 'pdf', onclick: () => doPdf() }, 'Télécharger en PDF')));
  dateInput.addEventListener('change', () => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(dateInput.value)) calendar.gotoDate(dateInput.value);
  });

  // --- side panel ---------------------------------------------------------------------------
  const groupsOf = [
    ['Mes agendas', (c) => !c.shared && (c.access ?? 'owner') === 'owner'],
    ['Agendas partagés avec moi', (c) => c.shared || ((c.access ?? 'owner') !== 'owner')],
  ];
  const panel = h('aside', { class: 'agenda-panneau', 'aria-labelledby': 'agenda-panneau-titre' },
    h('h2', { id: 'agenda-panneau-titre' }, 'Agendas'));
  for (const [label, test] of groupsOf) {
    const list = calendars.filter(test);
    if (!list.length) continue;
    panel.append(h('h3', {}, label), h('ul', { class: 'agenda-liste' }, list.map((c) => {
      const box = h('input', { type: 'checkbox', id: `agenda-${c.id}`, checked: !hidden.has(c.id), 'data-calendrier': c.id });
      box.addEventListener('change', () => {
        if (box.checked) hidden.delete(c.id); else hidden.add(c.id);
        saveHidden(me.login ?? '', hidden);
        calendar.refetchEvents();
      });
      const swatch = h('span', { class: 'pastille', 'aria-hidden': 'true' });
      swatch.style.setProperty('--couleur', calendarColor(c));
      const who = c.shared && c.owner?.name ? ` (${c.owner.name})` : '';
      return h('li', {}, box, h('label', { for: `agenda-${c.id}` }, swatch, c.name + who,
        isWritable(c) ? null : h('span', { class: 'lecture-seule' }, ' — lecture seule')));
    })));
  }

  const calEl = h('div', { class: 'agenda-vue' });
  const warning = h('p', { class: 'avertissement', role: 'status', hidden: true });
  fill(host, h('div', { class: 'agenda' }, toolbar, title, warning,
    h('div', { class: 'agenda-corps' }, panel, calEl)));

  // --- events ---------------------------------------------------------------------------------
  let inflight = null;
  const loadEvents = (info, success, failure) => {
    inflight?.abort();
    const controller = new AbortController();
    inflight = controller;
    const shown = calendars.filter((c) => !hidden.has(c.id));
    fetchRange(shown, info.start, info.end, controller.signal).then((lists) => {
      if (controller.signal.aborted) return;
      const events = [];
      let truncated = false;
      for (const { cal, events: list, truncated: t } of lists) {
        truncated ||= t;
        for (const o of list) events.push(toFcEvent(o, cal));
      }
      warning.hidden = !truncated;
      warning.textContent = truncated ? 'Trop d’évènements sur cette période : seuls les premiers sont affichés.' : '';
      success(events);
    }, (e) => {
      if (e.name === 'AbortError') return;
      announce(e.message, { error: true });
      failure(e);
    });
  };

  let savedView = null;
  try { savedView = localStorage.getItem(kViewKey); } catch { /* private mode */ }
  const narrow = window.matchMedia('(max-width: 700px)').matches;
  const calendar = new Calendar(calEl, {
    plugins: [dayGridPlugin, timeGridPlugin, listPlugin, interactionPlugin],
    locale: frLocale,
    firstDay: 1,
    weekNumbers: true,
    weekNumberCalculation: 'ISO',
    headerToolbar: false,
    initialView: kViews.some((v) => v.id === savedView) ? savedView : narrow ? 'timeGridDay' : 'timeGridWeek',
    height: 'auto',
    contentHeight: 'auto',
    expandRows: true,
    nowIndicator: true,
    scrollTime: '07:30:00',
    slotMinTime: '06:00:00',
    slotMaxTime: '22:00:00',
    slotLabelFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
    eventTimeFormat: { hour: '2-digit', minute: '2-digit', hour12: false },
    dayHeaderFormat: { weekday: 'short', day: 'numeric', month: 'numeric', omitCommas: true },
    views: {
      timeGridDay: { dayHeaderFormat: { weekday: 'long', day: 'numeric', month: 'long' } },
      dayGridMonth: { dayHeaderFormat: { weekday: 'short' } },
      listWeek: { listDayFormat: { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }, listDaySideFormat: false },
    },
    allDayText: 'Journée',
    noEventsText: 'Aucun évènement sur cette période',
    moreLinkText: (n) => `+ ${n} autres`,
    weekText: 'S',
    weekTextLong: 'Semaine',
    buttonHints: { prev: 'Période précédente', next: 'Période suivante', today: 'Aujourd’hui' },
    timeHint: 'Heure',
    eventHint: 'Évènement',
    closeHint: 'Fermer',
    moreLinkHint: (n) => `Voir ${n} autres évènements`,
    navLinks: false,
    dayMaxEvents: true,
    editable: true,
    selectable: true,
    selectMirror: true,
    eventDisplay: 'block',
    // Events of the same hours side by side rather than over each other: each stays readable
    // and can be grabbed (and printed) whole.
    slotEventOverlap: false,
    // Re-layout soon after a resize (a phone turned, a window narrowed): FullCalendar's default
    // waits 100 ms, during which the grid keeps its old width.
    windowResizeDelay: 0,
    events: loadEvents,
    // Events reachable with Tab and opened with Entrée (FullCalendar makes them focusable).
    eventInteractive: true,
    loading: (busy) => calEl.setAttribute('aria-busy', String(busy)),
    datesSet: (info) => {
      const v = kViews.find((x) => x.id === info.view.type);
      for (const b of viewButtons) b.setAttribute('aria-pressed', String(b.dataset.vue === info.view.type));
      title.textContent = planningTitle('', v?.kind ?? 'semaine', info.view.currentStart, info.view.currentEnd)
        .replace(/^Planning — /, '').replace(/^./, (c) => c.toUpperCase());
      dateInput.value = isoDate(info.view.currentStart);
      try { localStorage.setItem(kViewKey, info.view.type); } catch { /* private mode */ }
    },
    select: (info) => {
      calendar.unselect();
      openNew(info.start, info.end, info.allDay);
    },
    eventClick: (info) => { info.jsEvent.preventDefault(); openEdit(info.event); },
    eventDrop: (info) => moved(info),
    eventResize: (info) => moved(info),
    eventDidMount: (info) => {
      // A name for screen readers: title, time and calendar.
      const o = info.event.extendedProps.occ;
      const cal = byId.get(info.event.extendedProps.calendarId);
      info.el.setAttribute('title', [o.summary, o.location].filter(Boolean).join(' — '));
      if (cal && !info.el.querySelector('.visuellement-cache')) {
        const extra = h('span', { class: 'visuellement-cache' }, ` (${cal.name})`);
        (info.el.querySelector('.fc-event-title, .fc-list-event-title a, .fc-list-event-title') ?? info.el).append(extra);
      }
    },
  });
  calendar.render();
  // /agenda?nouveau=1 (the annuaire's "Inviter", with invite=<email>): the new event's form at
  // once; the attendees hook reads invite= (src/invitations/attendees.js).
  if (new URLSearchParams(location.search).get('nouveau') === '1') setTimeout(() => openNew(), 0);

  // Each <a class="fc-event"> in the grids is focusable: FullCalendar opens it on Enter.
  // --- create, edit, move, delete -------------------------------------------------------------
  async function openNew(start, end, allDay) {
    const cals = writable().filter((c) => !hidden.has(c.id));
    const list = cals.length ? cals : writable();
    if (!list.length) {
      announce('Aucun de vos agendas ne permet d’ajouter un évènement.', { error: true });
      return;
    }
    if (!start) {
      const now = new Date();
      const base = calendar.view.currentStart <= now && now < calendar.view.currentEnd ? now : calendar.view.currentStart;
      start = new Date(base.getFullYear(), base.getMonth(), base.getDate(), Math.max(8, base === now ? now.getHours() + 1 : 9), 0);
      end = new Date(start.getTime() + 3600_000);
      allDay = false;
    }
    const result = await eventForm({ event: null, start, end, allDay, calendars: list, calendarId: list[0].id });
    if (!result) return;
    try {
      await createEvent(result.calendarId, result.input);
      announce(`Évènement « ${result.input.summary} » ajouté.`);
      calendar.refetchEvents();
    } catch (e) {
      announce(e.message, { error: true });
    }
  }

  async function openEdit(ev) {
    const o = ev.extendedProps.occ;
    const cal = byId.get(ev.extendedProps.calendarId);
    const readOnly = !isWritable(cal) || o.editable === false;
    const result = await eventForm({
      event: o, start: ev.start, end: ev.end ?? new Date(ev.start.getTime() + (ev.allDay ? 86400000 : 3600000)),
      allDay: ev.allDay, calendars: [cal], calendarId: cal.id, readOnly,
    });
    if (!result) return;
    const series = o.recurring || !!o.rrule;
    if (result.action === 'delete') {
      const scope = series ? await askScope('Supprimer') : 'all';
      if (!scope) return;
      if (!series && !(await dialog('Supprimer l’évènement', h('p', {}, `Supprimer « ${o.summary} » ?`),
        [{ label: 'Supprimer', value: true, class: 'danger' }, { label: 'Annuler', value: false }]))) return;
      try {
        await deleteEvent(cal.id, o, scope);
        announce('Évènement supprimé.');
        calendar.refetchEvents();
      } catch (e) { announce(e.message, { error: true }); }
      return;
    }
    const scope = series ? await askScope('Modifier') : 'all';
    if (!scope) return;
    const input = { ...result.input };
    if (scope === 'one') delete input.rrule;  // an overridden instance has no rule of its own
    try {
      await updateEvent(cal.id, o, scope, input);
      announce(`Évènement « ${input.summary} » enregistré.`);
      calendar.refetchEvents();
    } catch (e) { announce(e.message, { error: true }); }
  }

  // Drag and drop: the grid already shows the new place; the PATCH confirms it (or the event goes
  // back with a message). A one-off event or an occurrence changed alone keeps its place without
  // a reload of the range (fast moves in a large agenda); a series change reloads the range.
  async function moved(info) {
    const ev = info.event;
    const o = ev.extendedProps.occ;
    const cal = byId.get(ev.extendedProps.calendarId);
    const series = o.recurring || !!o.rrule;
    const scope = series ? await askScope('Déplacer') : 'all';
    if (!scope) { info.revert(); return; }
    const changes = timesInput(ev.start, ev.end, ev.allDay);
    try {
      const r = await updateEvent(cal.id, o, scope, changes);
      if (scope === 'one' || !series) {
        const updated = r?.event ? { ...o, ...r.event } : o;
        if (series && !updated.recurrence_id) updated.recurrence_id = o.recurrence_id;
        ev.setExtendedProp('occ', updated);
      } else {
        calendar.refetchEvents();
      }
      announce(`« ${o.summary} » déplacé.`);
    } catch (e) {
      info.revert();
      announce(e.message, { error: true });
    }
  }

  // --- printing -------------------------------------------------------------------------------
  const currentKind = () => kViews.find((v) => v.id === calendar.view.type)?.kind ?? 'semaine';
  const printTitle = () => planningTitle(personName, currentKind(), calendar.view.currentStart, calendar.view.currentEnd);
  function doPrint() {
    const kind = currentKind();
    printPlanning({
      title: printTitle(),
      landscape: kind === 'mois',
      beforePrint: () => calendar.updateSize(),
      afterPrint: () => calendar.updateSize(),
    });
  }
  async function doPdf() {
    announce('Préparation du PDF…');
    try {
      const { downloadPlanning } = await import('../print/pdf.js');
      const view = calendar.view;
      const events = calendar.getEvents()
        .filter((e) => e.start < view.currentEnd && (e.end ?? e.start) >= view.currentStart)
        .map((e) => ({ title: e.title, start: e.start, end: e.end, allDay: e.allDay, location: e.extendedProps.occ?.location }));
      await downloadPlanning({ title: printTitle(), kind: currentKind(), start: view.currentStart, end: view.currentEnd, events },
        `planning-${currentKind()}-${isoDate(view.currentStart)}.pdf`);
      announce('PDF téléchargé.');
    } catch (e) {
      console.error(e);
      announce('Le PDF n’a pas pu être préparé.', { error: true });
    }
  }

  // For tests and the integrator: the calendar object of the page.
  root.agenda = calendar;
}
