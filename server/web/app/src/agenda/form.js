// The event form (a modal <dialog>): create or edit an event of a writable calendar, or show a
// read-only one. Resolves with {action: 'save', calendarId, input} (EventInput of design13.md),
// {action: 'delete'} or null (closed).
import { h, field } from '../lib/dom.js';
import { isoDate, formatDateLong, formatTime } from '../lib/format.js';
import { attendeePicker, attendeeAnswers } from './attendees.js';

const kDays = [['MO', 'lun.', 'lundi'], ['TU', 'mar.', 'mardi'], ['WE', 'mer.', 'mercredi'],
  ['TH', 'jeu.', 'jeudi'], ['FR', 'ven.', 'vendredi'], ['SA', 'sam.', 'samedi'],
  ['SU', 'dim.', 'dimanche']];
const kJsDay = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

const kAlarms = [[0, 'Aucun rappel'], [5, '5 minutes avant'], [15, '15 minutes avant'],
  [30, '30 minutes avant'], [60, '1 heure avant'], [1440, '1 jour avant']];

const pad = (n) => String(n).padStart(2, '0');
const hhmm = (d) => `${pad(d.getHours())}:${pad(d.getMinutes())}`;

function select(name, options, value) {
  return h('select', { name }, options.map(([v, label]) =>
    h('option', { value: v, selected: String(v) === String(value) }, label)));
}

function parseLocal(date, time) {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = (time || '00:00').split(':').map(Number);
  return new Date(y, m - 1, d, hh, mm);
}

// The repetition choice shown for an rrule (and back).
function repeatOf(rrule) {
  if (!rrule) return 'none';
  if (rrule.freq === 'WEEKLY') return rrule.interval === 2 ? 'biweekly' : 'weekly';
  return { DAILY: 'daily', MONTHLY: 'monthly', YEARLY: 'yearly' }[rrule.freq] ?? 'none';
}

// opts: {event: occurrence or null, start, end, allDay, calendars (writable ones), calendarId,
//        readOnly}
export function eventForm(opts) {
  const o = opts.event;
  const readOnly = !!opts.readOnly;
  const start = opts.start;
  const end = opts.end;
  const allDay = !!opts.allDay;
  const rrule = o?.rrule ?? null;

  const summary = h('input', { name: 'summary', required: true, value: o?.summary ?? '', autocomplete: 'off' });
  const calSelect = select('calendar', opts.calendars.map((c) => [c.id, c.name]), opts.calendarId);
  if (o) calSelect.disabled = true;  // moving between calendars is not part of the API
  const allDayBox = h('input', { type: 'checkbox', name: 'all_day', checked: allDay });
  const startDate = h('input', { type: 'date', name: 'start_date', required: true, value: isoDate(start) });
  const startTime = h('input', { type: 'time', name: 'start_time', value: hhmm(start), step: 300 });
  // All-day ends are exclusive in iCalendar; the form shows the last day.
  const shownEnd = allDay ? new Date(end.getFullYear(), end.getMonth(), end.getDate() - 1) : end;
  const endDate = h('input', { type: 'date', name: 'end_date', required: true, value: isoDate(shownEnd) });
  const endTime = h('input', { type: 'time', name: 'end_time', value: hhmm(end), step: 300 });
  const repeat = select('repeat', [['none', 'Ne se répète pas'], ['daily', 'Tous les jours'],
    ['weekly', 'Toutes les semaines'], ['biweekly', 'Toutes les deux semaines (semaine A/B)'],
    ['monthly', 'Tous les mois'], ['yearly', 'Tous les ans']], repeatOf(rrule));
  const byday = new Set(rrule?.byday?.length ? rrule.byday : [kJsDay[start.getDay()]]);
  const dayBoxes = kDays.map(([code, short, long]) => {
    const box = h('input', { type: 'checkbox', name: 'byday', value: code, checked: byday.has(code) });
    return h('label', { class: 'jour', title: long }, box, h('span', { 'aria-hidden': 'true' }, short),
      h('span', { class: 'visuellement-cache' }, long));
  });
  const daysSet = h('fieldset', { class: 'jours' }, h('legend', {}, 'Les jours'), dayBoxes);
  const endKind = rrule?.until ? 'until' : rrule?.count ? 'count' : 'never';
  const radio = (value, label) => h('label', { class: 'choix' },
    h('input', { type: 'radio', name: 'repeat_end', value, checked: endKind === value }), label);
  const untilDate = h('input', { type: 'date', name: 'until', 'aria-label': 'Date de fin de la répétition',
    value: rrule?.until ? String(rrule.until).slice(0, 10) : '' });
  const count = h('input', { type: 'number', name: 'count', min: 1, max: 999,
    'aria-label': "Nombre d'occurrences", value: rrule?.count ?? 10 });
  const endSet = h('fieldset', { class: 'fin-repetition' }, h('legend', {}, 'Fin de la répétition'),
    radio('never', 'Jamais'), h('div', { class: 'ligne' }, radio('until', 'Le'), untilDate),
    h('div', { class: 'ligne' }, radio('count', 'Après'), count, h('span', {}, ' occurrences')));
  const repeatBox = h('div', { class: 'repetition-details' }, daysSet, endSet);

  const location = h('input', { name: 'location', value: o?.location ?? '', autocomplete: 'off' });
  const description = h('textarea', { name: 'description', rows: 3 }, o?.description ?? '');
  const alarm = select('alarm', kAlarms, o?.alarms?.[0] ?? (o ? 0 : 15));
  // An edit sends the alarms only when the person changed this one: an event made by another
  // client may have several, which the form does not show and must not drop.
  const alarmShown = alarm.value;
  const klass = select('class', [['PUBLIC', 'Public'], ['PRIVATE', 'Privé (les autres voient « occupé »)'],
    ['CONFIDENTIAL', 'Confidentiel (les autres voient l’horaire seulement)']], o?.class ?? 'PUBLIC');
  const transparent = select('transparent', [['0', 'Occupé'], ['1', 'Libre']], o?.transparent ? '1' : '0');
  const attendees = attendeePicker({
    attendees: o?.attendees ?? [],
    form: {
      start: () => parseLocal(startDate.value, startTime.value),
      end: () => parseLocal(endDate.value, endTime.value),
      // A slot chosen in the attendees' free/busy grid.
      setTimes: (s, e) => {
        startDate.value = isoDate(s);
        startTime.value = hhmm(s);
        endDate.value = isoDate(e);
        endTime.value = hhmm(e);
        allDayBox.checked = false;
        sync();
      },
    },
  });
  const error = h('p', { class: 'erreur', role: 'alert', hidden: true });

  const sync = () => {
    startTime.hidden = endTime.hidden = allDayBox.checked;
    startTime.disabled = endTime.disabled = allDayBox.checked || readOnly;
    const r = repeat.value;
    repeatBox.hidden = r === 'none';
    daysSet.hidden = !(r === 'weekly' || r === 'biweekly');
    untilDate.disabled = readOnly || !endSet.querySelector('[value=until]').checked;
    count.disabled = readOnly || !endSet.querySelector('[value=count]').checked;
  };

  const form = h('form', { class: 'formulaire-evenement', method: 'dialog', novalidate: true },
    field('Titre', summary),
    field('Agenda', calSelect),
    h('div', { class: 'champ case' }, h('label', {}, allDayBox, ' Toute la journée')),
    h('div', { class: 'ligne-dates' },
      h('fieldset', {}, h('legend', {}, 'Début'), h('label', { class: 'visuellement-cache', for: 'ev-debut-date' }, 'Date de début'),
        Object.assign(startDate, { id: 'ev-debut-date' }),
        h('label', { class: 'visuellement-cache', for: 'ev-debut-heure' }, 'Heure de début'), Object.assign(startTime, { id: 'ev-debut-heure' })),
      h('fieldset', {}, h('legend', {}, 'Fin'), h('label', { class: 'visuellement-cache', for: 'ev-fin-date' }, 'Date de fin'),
        Object.assign(endDate, { id: 'ev-fin-date' }),
        h('label', { class: 'visuellement-cache', for: 'ev-fin-heure' }, 'Heure de fin'), Object.assign(endTime, { id: 'ev-fin-heure' }))),
    field('Répétition', repeat), repeatBox,
    field('Lieu', location), field('Description', description),
    field('Rappel', alarm), field('Visibilité', klass), field('Disponibilité', transparent),
    attendees.element, attendeeAnswers(o?.attendees), error);
  form.addEventListener('change', sync);
  sync();
  if (readOnly) for (const el of form.elements) el.disabled = true;

  const collect = () => {
    if (!summary.value.trim()) return 'Le titre est obligatoire.';
    if (!startDate.value || !endDate.value) return 'Les dates de début et de fin sont obligatoires.';
    const all = allDayBox.checked;
    const s = parseLocal(startDate.value, all ? '00:00' : startTime.value);
    let e = parseLocal(endDate.value, all ? '00:00' : endTime.value);
    if (all) e = new Date(e.getFullYear(), e.getMonth(), e.getDate() + 1);
    if (e <= s) return 'La fin doit être après le début.';
    const input = {
      summary: summary.value.trim(),
      location: location.value, description: description.value,
      class: klass.value, transparent: transparent.value === '1',
      start: all ? isoDate(s) : `${startDate.value}T${startTime.value}:00`,
      end: all ? isoDate(e) : `${endDate.value}T${endTime.value}:00`,
      all_day: all,
      timezone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Paris',
    };
    if (!o || alarm.value !== alarmShown) input.alarms = Number(alarm.value) ? [Number(alarm.value)] : [];
    const r = repeat.value;
    if (r === 'none') {
      input.rrule = null;
    } else {
      const rr = { freq: { daily: 'DAILY', weekly: 'WEEKLY', biweekly: 'WEEKLY', monthly: 'MONTHLY', yearly: 'YEARLY' }[r],
        interval: r === 'biweekly' ? 2 : 1, byday: [], until: null, count: null };
      if (r === 'weekly' || r === 'biweekly') {
        rr.byday = [...form.querySelectorAll('[name=byday]:checked')].map((b) => b.value);
        if (!rr.byday.length) return 'Choisissez au moins un jour de la semaine.';
      }
      const kind = form.querySelector('[name=repeat_end]:checked')?.value ?? 'never';
      if (kind === 'until') {
        if (!untilDate.value) return 'Indiquez la date de fin de la répétition.';
        if (untilDate.value < isoDate(s)) return 'La fin de la répétition précède le début.';
        rr.until = untilDate.value;
      } else if (kind === 'count') {
        const n = Number(count.value);
        if (!(n >= 1 && n <= 999)) return "Le nombre d'occurrences va de 1 à 999.";
        rr.count = n;
      }
      input.rrule = rr;
    }
    const list = attendees.value();
    if (list.length || o?.attendees?.length) input.attendees = list;
    return input;
  };

  const title = readOnly ? 'Évènement' : o ? "Modifier l'évènement" : 'Nouvel évènement';
  return new Promise((resolve) => {
    const d = h('dialog', { class: 'dialogue dialogue-evenement', 'aria-labelledby': 'ev-titre' },
      h('h2', { id: 'ev-titre' }, title));
    if (o) d.append(h('p', { class: 'quand' }, describeWhen(o)));
    d.append(form);
    const done = (value) => { resolve(value); d.close(); };
    const buttons = h('div', { class: 'boutons' });
    if (!readOnly) {
      buttons.append(h('button', { type: 'submit', class: 'principal', form: 'ev-form' }, 'Enregistrer'));
      if (o) buttons.append(h('button', { type: 'button', class: 'danger', onclick: () => done({ action: 'delete' }) }, 'Supprimer'));
    }
    buttons.append(h('button', { type: 'button', onclick: () => done(null) }, readOnly ? 'Fermer' : 'Annuler'));
    form.id = 'ev-form';
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const input = collect();
      if (typeof input === 'string') {
        error.textContent = input;
        error.hidden = false;
        return;
      }
      done({ action: 'save', calendarId: calSelect.value, input });
    });
    d.append(buttons);
    d.addEventListener('cancel', () => resolve(null));
    d.addEventListener('close', () => d.remove());
    document.body.append(d);
    d.showModal();
    if (!readOnly) summary.focus();
  });
}

function describeWhen(o) {
  const s = new Date(o.start);
  if (o.all_day) return formatDateLong(/T/.test(o.start) ? new Date(o.start.slice(0, 10) + 'T00:00:00') : s);
  return `${formatDateLong(s)}, ${formatTime(s)} – ${formatTime(new Date(o.end))}`;
}
