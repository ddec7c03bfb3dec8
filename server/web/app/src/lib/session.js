// The 30-minute idle rule of the accounts issue, seen from the page: every API call counts as
// activity (the server refreshes the session on each); two minutes before the limit a dialog
// says so and offers to stay signed in (one GET /api/v1/me); at the limit the page goes to the
// sign-in page. The limit comes from <meta name="cartable-idle-seconds">.
let last = Date.now();
// Shared between the tabs of the browser (same origin): activity in one tab keeps the server
// session alive for all of them, so each tab's watch reads the latest (lib/session_watch.js).
export const kActivityKey = 'cartable-derniere-activite';
export function noteActivity() {
  last = Date.now();
  try { localStorage.setItem(kActivityKey, String(last)); } catch { /* storage disabled */ }
}
export function idleSeconds() {
  return Number(document.querySelector('meta[name="cartable-idle-seconds"]')?.content ?? 1800);
}
// The last API call of this page or of another tab (milliseconds since the epoch).
export function lastActivity() {
  let shared = 0;
  try { shared = Number(localStorage.getItem(kActivityKey)) || 0; } catch { shared = 0; }
  return Math.max(last, shared);
}
