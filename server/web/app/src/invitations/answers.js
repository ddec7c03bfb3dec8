// The attendees' answers on an event (issue 13, people-ui): a small list the agenda's event
// details show. Each answer has an icon (decorative, aria-hidden) and its French text, so the
// meaning never rests on the icon or its colour alone (WCAG 1.4.1).
import { h } from '../lib/dom.js';

// PARTSTAT values of RFC 5545 §3.2.12 → [icon, text, class].
const kAnswers = {
  'ACCEPTED': ['✓', 'a accepté', 'accepte'],
  'DECLINED': ['✗', 'a refusé', 'refuse'],
  'TENTATIVE': ['?', 'peut-être', 'peut-etre'],
  'DELEGATED': ['→', 'a délégué', 'delegue'],
  'NEEDS-ACTION': ['…', 'en attente', 'attente'],
};

export function answerText(partstat) {
  return (kAnswers[String(partstat || 'NEEDS-ACTION').toUpperCase()] ?? kAnswers['NEEDS-ACTION'])[1];
}

// "mailto:jean.martin@x.fr" → "jean.martin@x.fr"; principal paths stay as they are.
export function bareAddress(address) {
  return String(address ?? '').replace(/^mailto:/i, '');
}

// attendeeAnswers(attendees) → <ul class="reponses">. `attendees`: the event JSON's list, each
// {address, name, partstat} (GET /calendars/{id}/events) or {address, name, answer}
// (GET /invitations). Order kept; the person's name, else their address.
export function attendeeAnswers(attendees, { title = 'Réponses des participants' } = {}) {
  const list = h('ul', { class: 'reponses', 'aria-label': title });
  for (const a of attendees ?? []) {
    const key = String(a.partstat ?? a.answer ?? 'NEEDS-ACTION').toUpperCase();
    const [icon, text, cls] = kAnswers[key] ?? kAnswers['NEEDS-ACTION'];
    const who = a.name || bareAddress(a.address);
    list.append(h('li', { class: `reponse ${cls}`, dataset: { partstat: key } },
      h('span', { class: 'icone', 'aria-hidden': 'true' }, icon), ' ',
      h('span', { class: 'qui' }, who), ' ',
      h('span', { class: 'etat' }, text)));
  }
  return list;
}
