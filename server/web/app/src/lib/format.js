// French formats (Europe/Paris unless the browser says otherwise): "lundi 7 décembre 2026",
// "14:30", ISO week numbers.
const dateLong = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const time = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', hour12: false });
const dateShort = new Intl.DateTimeFormat('fr-FR', { day: 'numeric', month: 'short', year: 'numeric' });

export const formatDateLong = (d) => dateLong.format(d);
export const formatTime = (d) => time.format(d);
export const formatDateShort = (d) => dateShort.format(d);

// "2026-12-07" in local time.
export function isoDate(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
// "2026-12-07T14:30:00" in local time (no offset: the server reads it in the given timezone).
export function isoLocal(d) {
  const p = (n) => String(n).padStart(2, '0');
  return `${isoDate(d)}T${p(d.getHours())}:${p(d.getMinutes())}:00`;
}

// ISO 8601 week number (weeks start on Monday; week 1 holds the first Thursday).
export function isoWeek(d) {
  const t = new Date(Date.UTC(d.getFullYear(), d.getMonth(), d.getDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const yearStart = new Date(Date.UTC(t.getUTCFullYear(), 0, 1));
  return Math.ceil(((t - yearStart) / 86400000 + 1) / 7);
}

export const timeZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'Europe/Paris';
