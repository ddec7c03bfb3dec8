// Speed of the agenda page with a 10,000-event calendar (issue 13: "a week view of a
// 10,000-event agenda loads (first paint of events) in under 1 s; moving an event updates in
// under 200 ms"). A measurement, not a test: it prints the numbers and asserts nothing.
//
//   AGENDA_SPEED=1 scripts/run_webapp.sh tests/web/app/agenda_speed.test.mjs
// Without AGENDA_SPEED it is skipped (filling 10,000 events takes minutes), so the ordinary run
// of tests/web/app/*.test.mjs does not pay for it.
//
// 1. Fills the first test user's first calendar with 10,000 one-off events through CalDAV PUTs
//    (HTTP Basic; about 100 a week from 52 weeks before today to 48 weeks after, 07:00–19:00 on
//    weekdays), unless it already holds them.
// 2. In chromium: signs in, opens /agenda (week view of today) and times, from the navigation's
//    start, the first painted event (a MutationObserver plus a requestAnimationFrame); then the
//    next week (click → events painted); then drags an event to another day and times the
//    drop → event drawn in its new column, and the PATCH round trip.
// Runs three times and prints each run and the median.
import { test } from 'node:test';
import { launch, signIn, open, USERS, BASE } from './harness.mjs';

const USER = USERS[0];
const TOTAL = Number(process.env.AGENDA_EVENTS ?? 10000);
const RUNS = 3;
const auth = 'Basic ' + Buffer.from(`${USER.login}:${USER.password}`).toString('base64');

const pad = (n) => String(n).padStart(2, '0');
const stamp = (d) => `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}00Z`;

async function fill(calUrl, say) {
  const today = new Date();
  const monday = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - ((today.getUTCDay() + 6) % 7)));
  const perWeek = Math.ceil(TOTAL / 100);
  let next = 0;
  const one = async (i) => {
    const week = Math.floor(i / perWeek) - 52;
    const k = i % perWeek;
    const day = k % 5;
    const hour = 6 + (Math.floor(k / 5) % 12);  // 07:00–18:00 Paris (06:00–17:00 UTC)
    const start = new Date(monday.getTime() + ((week * 7 + day) * 24 + hour) * 3600_000 + (k % 4) * 15 * 60_000);
    const end = new Date(start.getTime() + 3600_000);
    const uid = `vitesse-${i}@cartable.test`;
    const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Cartable//vitesse//FR', 'BEGIN:VEVENT',
      `UID:${uid}`, `DTSTAMP:${stamp(new Date())}`, `DTSTART:${stamp(start)}`, `DTEND:${stamp(end)}`,
      `SUMMARY:Réunion ${i}`, 'LOCATION:Salle 3', 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');
    const r = await fetch(new URL(`${calUrl}vitesse-${i}.ics`, BASE), {
      method: 'PUT', headers: { Authorization: auth, 'Content-Type': 'text/calendar; charset=utf-8' }, body: ics,
    });
    if (r.status >= 300) throw new Error(`PUT ${i}: ${r.status} ${await r.text()}`);
  };
  const t0 = Date.now();
  await Promise.all(Array.from({ length: 6 }, async () => {
    while (next < TOTAL) await one(next++);
  }));
  say(`${TOTAL} events PUT in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

test('agenda speed with 10,000 events', {
  timeout: 1_800_000, skip: process.env.AGENDA_SPEED ? false : 'a measurement: set AGENDA_SPEED=1',
}, async (t) => {
  // node:test's reporter shows diagnostics (ℹ …) but not a test's console output.
  const say = (m) => t.diagnostic(m);
  const r = await fetch(`${BASE}/api/v1/calendars`, { headers: { Authorization: auth, Accept: 'application/json' } });
  const cal = (await r.json()).calendars.find((c) => !c.shared && (c.components ?? ['VEVENT']).includes('VEVENT'));
  const probe = await fetch(`${BASE}/api/v1/calendars/${encodeURIComponent(cal.id)}/events?from=2000-01-01&to=2100-01-01`,
    { headers: { Authorization: auth, Accept: 'application/json' } }).then((x) => x.json());
  const have = probe.events.filter((e) => e.summary.startsWith('Réunion ')).length;
  if (have < TOTAL && !probe.truncated) await fill(cal.url ?? cal.href, say);
  else say(`calendar ${cal.id} already holds ${have}${probe.truncated ? '+' : ''} events`);

  const app = await launch(t);
  const { page } = app;
  // Times from inside the page: first .fc-event in the grid, painted (next animation frame).
  await page.context().addInitScript(() => {
    window.__marks = {};
    const watch = (name, selector, since) => {
      const mo = new MutationObserver(() => {
        if (document.querySelector(selector)) {
          mo.disconnect();
          requestAnimationFrame(() => { window.__marks[name] = performance.now() - (since ?? 0); });
        }
      });
      mo.observe(document, { childList: true, subtree: true });
    };
    window.__watch = watch;
    document.addEventListener('DOMContentLoaded', () => watch('firstEvent', '.fc-timegrid-event'));
  });
  await signIn(page, USER);
  await page.evaluate(() => localStorage.setItem('cartable.agenda.vue', 'timeGridWeek'));
  const results = [];
  for (let run = 0; run < RUNS; run++) {
    await open(page, '/agenda', { waitFor: '.fc-timegrid-event' });
    await page.waitForFunction(() => window.__marks.firstEvent !== undefined);
    const first = await page.evaluate(() => window.__marks.firstEvent);
    const shown = await page.locator('.fc-timegrid-event').count();
    const apiMs = await page.evaluate(() => Math.max(0, ...performance.getEntriesByType('resource')
      .filter((e) => e.name.includes('/events?')).map((e) => e.duration)));
    // Next week: click → events of that week painted.
    const nextMs = await page.evaluate(() => new Promise((resolve) => {
      const before = document.querySelector('.fc-timegrid-col[data-date]').dataset.date;
      const t0 = performance.now();
      const mo = new MutationObserver(() => {
        const col = document.querySelector('.fc-timegrid-col[data-date]');
        if (col && col.dataset.date !== before && document.querySelector('.fc-timegrid-event')) {
          mo.disconnect();
          requestAnimationFrame(() => resolve(performance.now() - t0));
        }
      });
      mo.observe(document.querySelector('.agenda-vue'), { childList: true, subtree: true, attributes: true });
      document.querySelector('button.suivant').click();
    }));
    await page.waitForLoadState('networkidle');
    // Move: the first event of Tuesday dragged to Thursday (same time).
    const ev = page.locator('.fc-timegrid-col[data-date]:nth-child(3) .fc-timegrid-event').first();
    await ev.scrollIntoViewIfNeeded();
    const box = await ev.boundingBox();
    const target = await page.locator('.fc-timegrid-col[data-date]').nth(3).boundingBox();
    // The event actually under the pointer (events of a slot may overlap).
    const title = await page.evaluate(({ x, y }) => document.elementFromPoint(x, y).closest('.fc-event')
      .querySelector('.fc-event-title').firstChild.textContent, { x: box.x + box.width / 2, y: box.y + 5 });
    await page.mouse.move(box.x + box.width / 2, box.y + 5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 10, box.y + 15, { steps: 4 });
    await page.mouse.move(target.x + target.width / 2, box.y + 5, { steps: 10 });
    await page.evaluate((t) => {
      window.__marks.moveDone = undefined;
      const col = document.querySelectorAll('.fc-timegrid-col[data-date]')[3];
      const t0 = { v: 0 };
      document.addEventListener('pointerup', () => { t0.v = performance.now(); }, { capture: true, once: true });
      document.addEventListener('mouseup', () => { if (!t0.v) t0.v = performance.now(); }, { capture: true, once: true });
      const mo = new MutationObserver(() => {
        const placed = [...col.querySelectorAll('.fc-timegrid-event:not(.fc-event-mirror)')]
          .some((e) => e.textContent.includes(t + ' ') || e.textContent.includes(t + '('));
        if (placed && t0.v) {
          mo.disconnect();
          requestAnimationFrame(() => { window.__marks.moveDone = performance.now() - t0.v; });
        }
      });
      mo.observe(document.querySelector('.agenda-vue'), { childList: true, subtree: true });
    }, title);
    const patch = page.waitForResponse((r) => r.request().method() === 'PATCH', { timeout: 10_000 }).catch(() => null);
    const t0 = Date.now();
    await page.mouse.up();
    await page.waitForFunction(() => window.__marks.moveDone !== undefined, null, { timeout: 10_000 });
    const moveMs = await page.evaluate(() => window.__marks.moveDone);
    const resp = await patch;
    const patchMs = resp ? Date.now() - t0 : NaN;
    results.push({ first, shown, apiMs, nextMs, moveMs, patchMs, status: resp?.status() });
    say(`run ${run + 1}: first events painted ${first.toFixed(0)} ms after navigation start ` +
      `(${shown} events in the week, events call ${apiMs.toFixed(0)} ms); next week ${nextMs.toFixed(0)} ms; ` +
      `move drawn ${moveMs.toFixed(0)} ms after the drop, PATCH answered after ${patchMs} ms (HTTP ${resp?.status()})`);
  }
  say(`median: first paint ${median(results.map((r) => r.first)).toFixed(0)} ms, next week ` +
    `${median(results.map((r) => r.nextMs)).toFixed(0)} ms, move drawn ${median(results.map((r) => r.moveMs)).toFixed(0)} ms, ` +
    `PATCH ${median(results.map((r) => r.patchMs))} ms`);
});
