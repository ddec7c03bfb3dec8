// The agenda's data: calendars and occurrences of /api/v1 (design13.md, "Calendars") turned into
// FullCalendar event objects, and the writes (POST/PATCH/DELETE of an event with its scope).
import { get, post, patch, del, seg } from '../lib/api.js';
import { isoDate, isoLocal, timeZone } from '../lib/format.js';

export async function loadCalendars() {
  const { calendars } = await get('/api/v1/calendars');
  // Task lists (VTODO only) are not agendas.
  return calendars.filter((c) => !c.components || c.components.includes('VEVENT'));
}

// Text colour that keeps 4.5:1 against the calendar's colour (WCAG relative luminance: black or
// white always reaches at least 4.58:1 against one of them).
export function textColorFor(color) {
  const m = /^#?([0-9a-f]{6})/i.exec(color ?? '');
  if (!m) return '#000000';
  const lin = (i) => {
    const c = parseInt(m[1].slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const l = 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4);
  return (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) ? '#000000' : '#ffffff';
}

export const kDefaultColor = '#1f5fa8';
export function calendarColor(cal) {
  const m = /^#?([0-9a-f]{6})/i.exec(cal?.color ?? '');
  return m ? '#' + m[1] : kDefaultColor;
}

// The server gives all-day starts as UTC instants of the date (midnight UTC); FullCalendar wants
// the date itself ("2026-12-07") so that the day does not move with the browser's offset.
function dateOf(instant) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(instant)) return instant;
  if (/T00:00:00(\.0+)?Z$/.test(instant)) return instant.slice(0, 10);
  return isoDate(new Date(instant));
}

// RFC 3339 UTC form of a RECURRENCE-ID as the events list gives it ("20261207T133000Z" or
// already "2026-12-07T13:30:00Z"; a date for all-day series).
export function occurrenceId(rid) {
  if (!rid) return '';
  let m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(rid);
  if (m) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`;
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(rid);
  if (m) return `${m[1]}-${m[2]}-${m[3]}`;
  return rid;
}

export function toFcEvent(o, cal) {
  const color = calendarColor(cal);
  const writable = cal.writable !== false && o.editable !== false;
  return {
    id: `${cal.id}/${o.name ?? o.href}/${o.recurrence_id ?? ''}`,
    title: o.summary || '(sans titre)',
    start: o.all_day ? dateOf(o.start) : o.start,
    end: o.all_day ? dateOf(o.end) : o.end,
    allDay: !!o.all_day,
    backgroundColor: color,
    borderColor: color,
    textColor: textColorFor(color),
    editable: writable,
    classNames: [o.transparent ? 'ev-libre' : 'ev-occupe', writable ? 'ev-modifiable' : 'ev-lecture'],
    extendedProps: { occ: o, calendarId: cal.id },
  };
}

// One range fetch per shown calendar. Occurrences come back sorted; `signal` aborts a stale
// range when the person moves on before the answer.
export async function fetchRange(cals, from, to, signal) {
  // RFC 3339 without milliseconds: the API reads 2026-12-07T00:00:00Z.
  const utc = (d) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const q = `?from=${seg(utc(from))}&to=${seg(utc(to))}`;
  const lists = await Promise.all(cals.map((cal) =>
    get(`/api/v1/calendars/${seg(cal.id)}/events${q}`, { signal })
      .then((r) => ({ cal, events: r.events ?? [], truncated: !!r.truncated }))));
  return lists;
}

// The resource name of an occurrence ("3f2a.ics"): given by the events API, else the last
// segment of its href.
export function resourceName(o) {
  if (o.name) return o.name;
  const parts = (o.href ?? '').split('/').filter(Boolean);
  return decodeURIComponent(parts[parts.length - 1] ?? '');
}

const base = (calendarId) => `/api/v1/calendars/${seg(calendarId)}/events`;

export function createEvent(calendarId, input) {
  return post(base(calendarId), input);
}

// scope: 'all' | 'one' | 'following'; occurrence: the occurrence's original start (RFC 3339 UTC).
export function updateEvent(calendarId, o, scope, changes) {
  const body = { ...changes, scope };
  if (o.recurring || o.rrule) body.occurrence = occurrenceId(o.recurrence_id) || o.start;
  return patch(`${base(calendarId)}/${seg(resourceName(o))}`, body);
}

export function deleteEvent(calendarId, o, scope) {
  let q = `?scope=${seg(scope)}`;
  if (scope !== 'all') q += `&occurrence=${seg(occurrenceId(o.recurrence_id) || o.start)}`;
  return del(`${base(calendarId)}/${seg(resourceName(o))}${q}`);
}

// Start/end fields of EventInput from FullCalendar dates: dates for all-day (end exclusive),
// local date-times with the browser's IANA zone otherwise.
export function timesInput(start, end, allDay) {
  if (allDay) {
    const e = end ?? new Date(start.getFullYear(), start.getMonth(), start.getDate() + 1);
    return { start: isoDate(start), end: isoDate(e), all_day: true };
  }
  const e = end ?? new Date(start.getTime() + 3600_000);
  return { start: isoLocal(start), end: isoLocal(e), all_day: false, timezone: timeZone() };
}
