// The 30-minute idle rule of the accounts issue, seen from the page: every API call counts as
// activity (the server refreshes the session on each); two minutes before the limit a dialog
// says so and offers to stay signed in (one GET /api/v1/me); at the limit the page goes to the
// sign-in page. The limit comes from <meta name="cartable-idle-seconds">.
let last = Date.now();
export function noteActivity() { last = Date.now(); }
export function idleSeconds() {
  return Number(document.querySelector('meta[name="cartable-idle-seconds"]')?.content ?? 1800);
}
