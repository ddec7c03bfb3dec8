// The idle-session warning (issue 13, design "Session"). The server ends a web session after
// [accounts] session_idle_minutes without a request (<meta name="cartable-idle-seconds">); every
// API call renews it (lib/api.js calls noteActivity). Two minutes before the limit a modal
// dialog says so, with "Rester connecté" (one GET /api/v1/me renews the session) and
// "Se déconnecter" (DELETE /api/v1/session); at the limit the page goes to the sign-in page,
// which says why and brings the person back here afterwards.
//
// The server records a session's use at most once a minute (directory/web_sessions.cc,
// kTouchEverySeconds), so its clock may have started up to a minute before the page's: the
// page counts from its last call minus that minute, and never keeps a page open on a session
// the server has already ended.
import { get, csrfToken } from './api.js';
import { h } from './dom.js';
import { formatTime } from './format.js';
import { idleSeconds, lastActivity, noteActivity, kActivityKey } from './session.js';

const kWarnBeforeMs = 2 * 60 * 1000;
const kServerTouchMs = 60 * 1000;

let timer = 0;
let dialogEl = null;

function deadline() {
  return lastActivity() + idleSeconds() * 1000 - kServerTouchMs;
}

// The warning comes 2 minutes before the limit (at half the limit when it is shorter than
// 4 minutes, so that the dialog is not shown at once).
function warnAt() {
  const span = idleSeconds() * 1000 - kServerTouchMs;
  return deadline() - Math.min(kWarnBeforeMs, Math.max(span / 2, 0));
}

// Ends the session on the server (best effort: it may have ended already), then goes to `to`.
// A plain fetch, not api.js: its 401 handling would navigate elsewhere first.
function signOutThenGo(to) {
  ending = true;
  fetch('/api/v1/session', {
    method: 'DELETE', headers: { 'X-CSRF-Token': csrfToken() }, credentials: 'same-origin',
  }).catch((e) => { console.warn('sign-out:', e); }).finally(() => location.assign(to));
}

function expire() {
  closeDialog();
  const here = location.pathname + location.search;
  signOutThenGo(`/connexion?info=session-expired&suite=${encodeURIComponent(here)}`);
}

let ending = false;

function schedule() {
  clearTimeout(timer);
  if (ending) return;
  const now = Date.now();
  if (now >= deadline()) { expire(); return; }
  if (now >= warnAt()) {
    showDialog();
    timer = setTimeout(schedule, Math.max(deadline() - now, 0) + 50);
    return;
  }
  closeDialog();  // another tab's call moved the limit
  timer = setTimeout(schedule, warnAt() - now + 50);
}

function closeDialog() {
  if (!dialogEl) return;
  const d = dialogEl;
  dialogEl = null;
  if (d.open) d.close();
  d.remove();
}

function showDialog() {
  if (dialogEl) return;
  const limit = new Date(deadline());
  const minutes = Math.max(1, Math.round((deadline() - Date.now()) / 60000));
  const status = h('p', { class: 'aide', role: 'status' });
  const stay = h('button', { type: 'button', class: 'principal', onclick: async () => {
    stay.disabled = true;
    try {
      await get('/api/v1/me');  // renews the session; api.js notes the activity
      schedule();
    } catch (e) {
      stay.disabled = false;
      status.textContent = e.message;
    }
  } }, 'Rester connecté');
  const leave = h('button', { type: 'button', class: 'secondaire', onclick: async () => {
    leave.disabled = true;
    stay.disabled = true;
    clearTimeout(timer);
    signOutThenGo('/connexion?info=signed-out');
  } }, 'Se déconnecter');
  dialogEl = h('dialog', { class: 'dialogue session-expire', 'aria-labelledby': 'session-titre',
    'aria-describedby': 'session-texte' },
  h('h2', { id: 'session-titre' },
    `Vous allez être déconnecté dans ${minutes} minute${minutes > 1 ? 's' : ''}`),
  h('p', { id: 'session-texte' },
    `Sans activité, votre session se termine à ${formatTime(limit)} pour protéger votre compte. ` +
    'Ce que vous n\'avez pas enregistré serait perdu.'),
  status,
  h('div', { class: 'boutons' }, stay, leave));
  // Échap must not hide the warning and leave the person unaware: it means "Rester connecté".
  dialogEl.addEventListener('cancel', (e) => { e.preventDefault(); stay.click(); });
  document.body.append(dialogEl);
  dialogEl.showModal();
  stay.focus();
}

export function startSessionWatch() {
  if (!(idleSeconds() > 0)) return;
  noteActivity();  // this page's own request renewed the session: tell the other tabs
  window.addEventListener('storage', (e) => { if (e.key === kActivityKey) schedule(); });
  // A laptop waking up: timers were frozen, the limit may be past.
  document.addEventListener('visibilitychange', () => { if (!document.hidden) schedule(); });
  schedule();
}
