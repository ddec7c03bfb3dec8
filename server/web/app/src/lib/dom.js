// DOM helpers. Values from calendars, cards and the directory are always set as text (textContent,
// attribute values), never parsed as HTML: there is no innerHTML anywhere in the application.
// h('button', {type: 'button', class: 'principal', onclick: f}, 'Enregistrer')
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'style') throw new Error('no style attributes: the CSP forbids them; use a class');
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Replaces the children of `el`.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// The page's live region: short confirmations and errors read out by screen readers.
export function announce(message, { error = false } = {}) {
  let region = document.getElementById('annonce');
  if (!region) {
    region = h('div', { id: 'annonce', class: 'annonce', role: 'status', 'aria-live': 'polite' });
    document.body.append(region);
  }
  region.classList.toggle('erreur', error);
  region.textContent = message;
  clearTimeout(announce.timer);
  announce.timer = setTimeout(() => { region.textContent = ''; }, 8000);
}

// A modal <dialog> with a title, a body and buttons; resolves with the value of the button
// pressed (or null on Échap). `content` may be a <form>: its submit resolves with 'submit'.
export function dialog(title, content, buttons = [{ label: 'Fermer', value: null }]) {
  return new Promise((resolve) => {
    const id = 'dlg-' + Math.random().toString(36).slice(2);
    const d = h('dialog', { class: 'dialogue', 'aria-labelledby': id },
      h('h2', { id }, title), content,
      h('div', { class: 'boutons' }, buttons.map((b) => h('button', {
        type: 'button', class: b.class ?? '', onclick: () => { d.close(); resolve(b.value); },
      }, b.label))));
    d.addEventListener('cancel', () => resolve(null));
    d.addEventListener('close', () => d.remove());
    document.body.append(d);
    d.showModal();
  });
}

// A labelled form field: field('Titre', h('input', {name: 'summary', required: true})).
let fieldCount = 0;
export function field(label, control, hint) {
  const id = control.id || `champ-${++fieldCount}`;
  control.id = id;
  const hintId = hint ? `${id}-aide` : undefined;
  if (hintId) control.setAttribute('aria-describedby', hintId);
  return h('div', { class: 'champ' }, h('label', { for: id }, label), control,
    hint ? h('p', { class: 'aide', id: hintId }, hint) : null);
}
