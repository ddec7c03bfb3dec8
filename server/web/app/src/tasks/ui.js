// Small pieces shared by the tasks, contacts and sharing pages (issue 13): form dialogs that
// keep the person's input and show the server's refusal inside the dialog, confirmations,
// French error texts, the page heading and accent-insensitive matching.
import { kMessages } from '../lib/api.js';
import { h, dialog } from '../lib/dom.js';

let uniq = 0;
export const uid = (prefix) => `${prefix}-${++uniq}`;

// The French text of an ApiError. The issue 13 calls answer {"error": code, "message": French};
// the older ones (sharing, delegates) only {"error": English sentence}: ApiError then has
// message === code, and the page says it in French from the status (`byStatus` first).
export function errorText(e, byStatus = {}) {
  if (!e || e.status === undefined) return 'Une erreur inattendue est survenue.';
  if (byStatus[e.status]) return byStatus[e.status];
  if (e.message && e.message !== e.code) return e.message;
  return kMessages[e.status] ?? `Erreur ${e.status}.`;
}

// A modal form: `body` holds the labelled fields; `onSubmit(form)` does the call and returns
// the result (the dialog then closes and the promise resolves with it); when it throws, the
// error is shown in the dialog (role=alert) and the input stays. Échap or "Annuler" → null.
export function formDialog(title, body, { submit = 'Enregistrer', onSubmit, errors = {} } = {}) {
  return new Promise((resolve) => {
    const id = uid('dlg');
    const opener = document.activeElement;
    const error = h('p', { class: 'erreur', role: 'alert', hidden: true });
    let result = null;
    const form = h('form', { class: 'formulaire', novalidate: false }, body, error,
      h('div', { class: 'boutons' },
        h('button', { type: 'submit', class: 'principal' }, submit),
        h('button', { type: 'button', class: 'secondaire', onclick: () => d.close() }, 'Annuler')));
    const d = h('dialog', { class: 'dialogue', 'aria-labelledby': id }, h('h2', { id }, title), form);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      try {
        result = onSubmit ? await onSubmit(form) : form;
        d.close();
      } catch (e) {
        error.hidden = false;
        error.textContent = errorText(e, errors);
      } finally {
        button.disabled = false;
      }
    });
    d.addEventListener('close', () => {
      d.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(result);
    });
    document.body.append(d);
    d.showModal();
  });
}

// "Supprimer « X » ?" → true when confirmed.
export async function confirmDialog(title, text, label) {
  const opener = document.activeElement;
  const answer = await dialog(title, h('p', {}, text), [
    { label, value: true, class: 'danger' },
    { label: 'Annuler', value: false, class: 'secondaire' },
  ]);
  if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  return answer === true;
}

// The page's one <h1>: the shell's when it rendered one, else ours.
export function pageHeading(root, text) {
  let h1 = document.querySelector('main h1') ?? document.querySelector('h1');
  if (!h1) {
    h1 = h('h1', {}, text);
    root.prepend(h1);
  } else {
    h1.textContent = text;
  }
  return h1;
}

// The shell renders <main data-app> with an optional .app-contenu inside.
export const contentOf = (root) => root.querySelector('.app-contenu') ?? root;

// Accent- and case-insensitive text for local filtering ("Lefèvre" matches "lefev").
export const fold = (s) => String(s ?? '').normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase();

// Every word of `query` is a prefix of a word of `text` (the directory's rule).
export function matchesWords(text, query) {
  const words = fold(text).split(/[^a-z0-9@.]+/).filter(Boolean);
  return fold(query).split(/\s+/).filter(Boolean)
    .every((q) => words.some((w) => w.startsWith(q)) || fold(text).includes(q));
}

// "1 contact", "3 contacts".
export const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

// Calls `fn` once the person stopped typing for `ms`.
export function debounce(fn, ms) {
  let t;
  return (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
}
