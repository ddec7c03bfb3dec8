// "Télécharger en PDF": the planning as a PDF made in the browser with pdfmake (text, not
// images, so that it can be searched and read by pdftotext). This module is imported lazily
// (its own chunk, about 1 MB with the font metrics) only when the person asks for a PDF.
//
// CSP: pdfmake's browser build only reaches `new Function('return this')` when globalThis is
// missing (never in the browsers we serve), so it runs under script-src 'self' without
// 'unsafe-eval'. It uses the PDF standard font Helvetica (metrics only, WinAnsi covers French),
// so no font file is embedded.
import pdfMakeModule from 'pdfmake/build/pdfmake.js';
import helvetica from 'pdfmake/build/standard-fonts/Helvetica.js';

const pdfMake = pdfMakeModule.default ?? pdfMakeModule;
let fontsAdded = false;

const time = new Intl.DateTimeFormat('fr-FR', { hour: '2-digit', minute: '2-digit', hour12: false });
const dayHead = new Intl.DateTimeFormat('fr-FR', { weekday: 'long', day: 'numeric', month: 'long' });
const dayShort = new Intl.DateTimeFormat('fr-FR', { weekday: 'short', day: 'numeric' });

const startOfDay = (d) => new Date(d.getFullYear(), d.getMonth(), d.getDate());
const addDays = (d, n) => new Date(d.getFullYear(), d.getMonth(), d.getDate() + n);

// events: [{title, start: Date, end: Date|null, allDay, location}] in the period.
function eventsOfDay(events, day) {
  const next = addDays(day, 1);
  return events.filter((e) => e.start < next && (e.end ?? e.start) >= day && !(e.end && e.end.getTime() === day.getTime() && e.end > e.start))
    .sort((a, b) => (b.allDay - a.allDay) || (a.start - b.start));
}

function line(e) {
  const when = e.allDay ? 'Journée' : `${time.format(e.start)}–${e.end ? time.format(e.end) : ''}`;
  const parts = [{ text: when + ' ', bold: true }, e.title];
  if (e.location) parts.push({ text: ` (${e.location})`, italics: true });
  return { text: parts, margin: [0, 0, 0, 2] };
}

// The document: a title, then for a week one table of seven columns (one page), for a month a
// calendar grid on a landscape page, for a day or a list the days one under the other.
export function planningDocument({ title, kind, start, end, events }) {
  const content = [{ text: title, style: 'titre' }];
  const days = [];
  for (let d = startOfDay(start); d < end; d = addDays(d, 1)) days.push(d);
  if (kind === 'semaine' || kind === 'mois') {
    const rows = [];
    if (kind === 'semaine') {
      rows.push(days.map((d) => ({ text: dayHead.format(d), style: 'jour' })));
      rows.push(days.map((d) => eventsOfDay(events, d).map(line)));
    } else {
      rows.push(['lundi', 'mardi', 'mercredi', 'jeudi', 'vendredi', 'samedi', 'dimanche']
        .map((t) => ({ text: t, style: 'jour' })));
      for (let i = 0; i < days.length; i += 7) {
        rows.push(days.slice(i, i + 7).map((d) => [{ text: dayShort.format(d), style: 'numero' },
          ...eventsOfDay(events, d).map(line)]));
      }
    }
    content.push({ table: { headerRows: 1, widths: Array(7).fill('*'), body: rows, dontBreakRows: true },
      layout: { hLineWidth: () => 0.5, vLineWidth: () => 0.5 } });
  } else {
    for (const d of days) {
      const list = eventsOfDay(events, d);
      if (kind === 'liste' && !list.length) continue;
      content.push({ text: dayHead.format(d), style: 'jour', margin: [0, 8, 0, 2] });
      content.push(list.length ? list.map(line) : { text: 'Aucun évènement', italics: true });
    }
    if (kind === 'liste' && content.length === 1) content.push({ text: 'Aucun évènement sur cette période.' });
  }
  return {
    info: { title },
    pageSize: 'A4',
    pageOrientation: kind === 'mois' || kind === 'semaine' ? 'landscape' : 'portrait',
    pageMargins: [28, 28, 28, 28],
    defaultStyle: { font: 'Helvetica', fontSize: kind === 'mois' ? 7 : 9 },
    styles: {
      titre: { fontSize: 14, bold: true, margin: [0, 0, 0, 10] },
      jour: { bold: true, fontSize: 10 },
      numero: { bold: true },
    },
    content,
  };
}

export async function downloadPlanning(spec, fileName) {
  if (!fontsAdded) {
    pdfMake.addFontContainer(helvetica.default ?? helvetica);
    fontsAdded = true;
  }
  const pdf = pdfMake.createPdf(planningDocument(spec));
  const blob = await pdf.getBlob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
