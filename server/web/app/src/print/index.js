// Printing of the planning (design13.md, "Printing"): the browser's print of the view on screen,
// styled by styles/print.css. Before printing, <html> gets a class that picks the page
// orientation (month: A4 landscape through the named page "paysage"; the others: portrait) and
// the planning's title is written into .titre-impression, shown only on paper.
import { isoWeek } from '../lib/format.js';

const long = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const dayMonth = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long' });
const dayOnly = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric' });
const monthYear = new Intl.DateTimeFormat('fr-FR', { month: 'long', year: 'numeric' });

// The period of a view in words: "lundi 7 décembre 2026", "semaine 50, du lundi 7 au dimanche
// 13 décembre 2026", "décembre 2026". kind: 'jour' | 'semaine' | 'mois' | 'liste'; start and
// end (exclusive) of the period.
export function periodLabel(kind, start, end) {
  const last = new Date(end.getFullYear(), end.getMonth(), end.getDate() - 1);
  if (kind === 'jour') return long.format(start);
  if (kind === 'mois') {
    // A month view starts before the 1st: its month is the one of its middle.
    const mid = new Date((start.getTime() + end.getTime()) / 2);
    return monthYear.format(mid);
  }
  let from;
  if (start.getFullYear() !== last.getFullYear()) from = long.format(start);
  else if (start.getMonth() !== last.getMonth()) from = dayMonth.format(start);
  else from = dayOnly.format(start);
  const range = `du ${from} au ${long.format(last)}`;
  const days = Math.round((end - start) / 86400000);
  return days === 7 && start.getDay() === 1 ? `semaine ${isoWeek(start)}, ${range}` : range;
}

export function planningTitle(personName, kind, start, end) {
  const period = periodLabel(kind, start, end);
  return personName ? `Planning de ${personName} — ${period}` : `Planning — ${period}`;
}

// Prepares the page for paper (class on <html>, title), calls `beforePrint` (the agenda fits its
// view to the page), prints, and undoes it all after printing.
export function printPlanning({ title, landscape, beforePrint, afterPrint }) {
  const html = document.documentElement;
  let slot = document.querySelector('.titre-impression');
  if (!slot) {
    slot = document.createElement('p');
    slot.className = 'titre-impression';
    (document.querySelector('[data-app]') ?? document.body).prepend(slot);
  }
  slot.textContent = title;
  html.classList.add('impression');
  html.classList.toggle('impression-paysage', !!landscape);
  beforePrint?.();
  const undo = () => {
    window.removeEventListener('afterprint', undo);
    html.classList.remove('impression', 'impression-paysage');
    afterPrint?.();
  };
  window.addEventListener('afterprint', undo);
  window.print();
}
