// The agenda page (issue 13) in Debian's chromium: sign in, go to a date, create a weekly
// recurring event, move one occurrence by drag and drop (scope "one": the server keeps an
// overridden instance), change "this and the following", delete one occurrence, hide and show a
// calendar (remembered after a reload), see a colleague's calendar shared read-only (no drag, no
// save), print the week and the month to PDF (page.pdf, the
// print stylesheet) and read them with pdftotext, download the planning's PDF (pdfmake) and read
// it too; axe-core on every view and on the event form; screenshots.
// Run by scripts/run_webapp.sh (CARTABLE_URL, CARTABLE_USERS, CARTABLE_SHOTS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, signIn, checkA11y, shot, open, apiCall, USERS, BASE } from './harness.mjs';

// The first test user of scripts/run_webapp.sh (tests/web/staff.csv).
const USER = USERS[0];
const LOGIN = USER.login;
const NAME = USER.name;
// A week far enough ahead to be empty: Monday 8 March 2027 is in ISO week 10.
const WEEK = '2027-03-08';
const TITLE = 'Cours de mathématiques 4e B';
const TMP = mkdtempSync(join(tmpdir(), 'agenda-test-'));

// -raw: the text in the order the PDF draws it (a table cell's lines stay together).
function pdfText(file) {
  return execFileSync('pdftotext', ['-raw', file, '-'], { encoding: 'utf8' });
}
function pdfInfo(file) {
  const out = execFileSync('pdfinfo', [file], { encoding: 'utf8' });
  return { pages: Number(/Pages:\s+(\d+)/.exec(out)[1]), size: /Page size:\s+([\d.]+) x ([\d.]+)/.exec(out).slice(1).map(Number) };
}

// The page's own API calls, with its session and CSRF token.
async function apiGet(page, path) {
  return page.evaluate(async (p) => {
    const r = await fetch(p, { headers: { Accept: 'application/json' } });
    return { status: r.status, body: await r.json() };
  }, path);
}
async function ownCalendar(page) {
  const { body } = await apiGet(page, '/api/v1/calendars');
  return body.calendars.find((c) => c.owner?.login === LOGIN && c.components?.includes('VEVENT') && !c.shared) ?? body.calendars[0];
}
async function eventsOf(page, calId, from, to) {
  const { status, body } = await apiGet(page, `/api/v1/calendars/${encodeURIComponent(calId)}/events?from=${from}&to=${to}`);
  assert.equal(status, 200);
  return body.events;
}

async function goTo(page, date) {
  await page.fill('#agenda-aller', date);
  await page.dispatchEvent('#agenda-aller', 'change');
}
async function view(page, label) {
  await page.click(`.agenda-barre .vues button:text-is("${label}")`);
  await page.waitForSelector(`.agenda-barre .vues button:text-is("${label}")[aria-pressed="true"]`);
}
async function idle(page) {
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(150);
}
const occurrence = (page, date, title = TITLE) =>
  page.locator(`.fc-timegrid-col[data-date="${date}"] .fc-event`, { hasText: title });

async function chooseScope(page, label) {
  const dlg = page.locator('dialog.dialogue[open]');
  await dlg.waitFor();
  await dlg.getByRole('button', { name: label, exact: true }).click();
}

test('agenda: views, recurring events, drag and drop, printing', { timeout: 600_000 }, async (t) => {
  // Page errors, console errors and CSP violations fail the test (harness).
  const { page } = await launch(t, { contextOptions: { acceptDownloads: true } });
  let cal;
  let failed = false;
  const step = async (name, fn) => {
    if (failed) return t.test(name, { skip: 'an earlier step failed' }, () => {});
    return t.test(name, async () => {
      try { await fn(); } catch (e) {
        failed = true;
        await page.screenshot({ path: join(TMP, 'echec.png') }).catch(() => {});
        throw e;
      }
    });
  };
  await step('sign in and open the agenda', async () => {
    await signIn(page, USER);
    await open(page, '/agenda', { waitFor: '.agenda .fc-view' });
    assert.ok(await page.locator('.agenda-panneau input[type=checkbox]').count() >= 1, 'a calendar in the side panel');
    cal = await ownCalendar(page);
    await page.evaluate(() => localStorage.clear());
  });

  await step('go to a date: week 10 of 2027 with French titles', async () => {
    await view(page, 'Semaine');
    await goTo(page, '2027-03-10');
    await idle(page);
    assert.equal((await page.textContent('#agenda-periode')).trim(), 'Semaine 10, du lundi 8 au dimanche 14 mars 2027');
    assert.equal(await page.locator('.fc-timegrid-col[data-date="2027-03-08"]').count(), 1, 'Monday first');
    assert.match(await page.textContent('.fc-timegrid-slot-label[data-time="14:00:00"]'), /14:00/);
    assert.match(await page.textContent('.fc-week-number, .fc-timegrid-axis'), /10/);
    for (const label of ['Période précédente', 'Période suivante']) {
      assert.equal(await page.getByRole('button', { name: label }).count(), 1);
    }
    await checkA11y(page, 'agenda-semaine');
  });

  await step('create a weekly recurring event (Monday and Thursday, 10 times)', async () => {
    await page.click('button.nouveau');
    const form = page.locator('dialog.dialogue-evenement form');
    await form.waitFor();
    await form.locator('[name=summary]').fill(TITLE);
    await form.locator('[name=start_date]').fill(WEEK);
    await form.locator('[name=start_time]').fill('10:00');
    await form.locator('[name=end_date]').fill(WEEK);
    await form.locator('[name=end_time]').fill('11:00');
    await form.locator('[name=location]').fill('Salle 12');
    await form.locator('[name=repeat]').selectOption('weekly');
    await form.locator('[name=byday][value=TH]').check();
    await form.locator('[name=repeat_end][value=count]').check();
    await form.locator('[name=count]').fill('10');
    await checkA11y(page, 'agenda-formulaire');
    await shot(page, 'agenda-formulaire');
    await page.click('dialog.dialogue-evenement button[type=submit]');
    await occurrence(page, '2027-03-08').waitFor();
    await occurrence(page, '2027-03-11').waitFor();
    const evs = await eventsOf(page, cal.id, '2027-03-01T00:00:00Z', '2027-06-01T00:00:00Z');
    assert.equal(evs.filter((e) => e.summary === TITLE).length, 10);
    assert.equal(evs[0].location, 'Salle 12');
    assert.deepEqual([...evs[0].rrule.byday].sort(), ['MO', 'TH']);
  });

  await step('move the Monday occurrence to Tuesday 14:00 by drag and drop (this one only)', async () => {
    const ev = occurrence(page, '2027-03-08');
    // The mouse acts inside the viewport only: a tall one keeps 06:00–22:00 on screen below the
    // page's header.
    await page.setViewportSize({ width: 1280, height: 1600 });
    await page.evaluate(() => window.scrollTo(0, 0));
    const box = await ev.boundingBox();
    const col = await page.locator('.fc-timegrid-col[data-date="2027-03-09"]').boundingBox();
    const slot = await page.locator('.fc-timegrid-slot-lane[data-time="14:00:00"]').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + 6);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 10, box.y + 20, { steps: 5 });
    // The grab point is 6 px below the event's top: land it 6 px below the 14:00 line.
    await page.mouse.move(col.x + col.width / 2, slot.y + 6, { steps: 15 });
    await page.mouse.up();
    await chooseScope(page, 'Cet évènement seulement');
    await occurrence(page, '2027-03-09').waitFor();
    await page.setViewportSize({ width: 1280, height: 800 });
    await idle(page);
    const evs = await eventsOf(page, cal.id, '2027-03-08T00:00:00Z', '2027-03-15T00:00:00Z');
    const mine = evs.filter((e) => e.summary === TITLE);
    assert.equal(mine.length, 2);
    const moved = mine.find((e) => e.start === '2027-03-09T13:00:00Z');
    assert.ok(moved, 'an occurrence on Tuesday 14:00 Paris: ' + JSON.stringify(mine.map((e) => e.start)));
    assert.equal(moved.end, '2027-03-09T14:00:00Z');
    // The override keeps the original start as RECURRENCE-ID (Monday 10:00 Paris = 09:00Z).
    assert.match(moved.recurrence_id, /^2027-?03-?08T09:?00:?00Z$/);
    assert.ok(moved.recurring);
    // The rest of the series did not move.
    const next = await eventsOf(page, cal.id, '2027-03-15T00:00:00Z', '2027-03-16T00:00:00Z');
    assert.equal(next.find((e) => e.summary === TITLE)?.start, '2027-03-15T09:00:00Z');
  });

  await step('edit "this and the following" from the Thursday of the next week', async () => {
    await page.click('button.suivant');
    await idle(page);
    await occurrence(page, '2027-03-18').click();
    const form = page.locator('dialog.dialogue-evenement form');
    await form.waitFor();
    await form.locator('[name=summary]').fill('Cours de maths 4e B (salle 14)');
    await page.click('dialog.dialogue-evenement button[type=submit]');
    await chooseScope(page, 'Cet évènement et les suivants');
    await occurrence(page, '2027-03-18', 'salle 14').waitFor();
    await occurrence(page, '2027-03-15', TITLE).waitFor();
    const evs = await eventsOf(page, cal.id, '2027-03-15T00:00:00Z', '2027-04-01T00:00:00Z');
    const titles = evs.map((e) => `${e.start.slice(0, 10)} ${e.summary}`);
    assert.ok(titles.includes(`2027-03-15 ${TITLE}`), titles.join('\n'));
    assert.ok(titles.includes('2027-03-18 Cours de maths 4e B (salle 14)'), titles.join('\n'));
    assert.ok(titles.includes('2027-03-22 Cours de maths 4e B (salle 14)'), titles.join('\n'));
    assert.ok(!titles.includes(`2027-03-22 ${TITLE}`), titles.join('\n'));
  });

  await step('delete one occurrence (Monday 15 March)', async () => {
    await occurrence(page, '2027-03-15').click();
    await page.locator('dialog.dialogue-evenement').waitFor();
    await page.click('dialog.dialogue-evenement button.danger');
    await chooseScope(page, 'Cet évènement seulement');
    await occurrence(page, '2027-03-15').waitFor({ state: 'detached' });
    const evs = await eventsOf(page, cal.id, '2027-03-15T00:00:00Z', '2027-03-22T00:00:00Z');
    assert.deepEqual(evs.filter((e) => /^Cours de math/.test(e.summary)).map((e) => e.start.slice(0, 10)), ['2027-03-18']);
    // Earlier weeks keep their occurrences.
    const before = await eventsOf(page, cal.id, '2027-03-08T00:00:00Z', '2027-03-15T00:00:00Z');
    assert.equal(before.filter((e) => e.summary === TITLE).length, 2);
  });

  await step('editing an event made elsewhere keeps the alarms the form does not show', async () => {
    // A client (or the API) gave it two alarms; the form shows one select and must not drop
    // the other when only the title changes.
    const made = await apiCall(page, 'POST', `/api/v1/calendars/${encodeURIComponent(cal.id)}/events`, {
      summary: 'Conseil pédagogique', start: '2027-03-19T14:00:00', end: '2027-03-19T15:00:00',
      timezone: 'Europe/Paris', alarms: [15, 1440],
    });
    assert.equal(made.status, 201, made.text);
    await page.reload();
    await page.locator('.agenda .fc-view').waitFor();
    await view(page, 'Semaine');
    await goTo(page, '2027-03-19');
    await idle(page);
    await occurrence(page, '2027-03-19', 'Conseil pédagogique').click();
    const form = page.locator('dialog.dialogue-evenement form');
    await form.waitFor();
    await form.locator('[name=summary]').fill('Conseil pédagogique (salle B12)');
    await page.click('dialog.dialogue-evenement button[type=submit]');
    await occurrence(page, '2027-03-19', 'salle B12').waitFor();
    const evs = await eventsOf(page, cal.id, '2027-03-19T00:00:00Z', '2027-03-20T00:00:00Z');
    const ev = evs.find((e) => e.summary === 'Conseil pédagogique (salle B12)');
    assert.deepEqual([...ev.alarms].sort((a, b) => a - b), [15, 1440]);
  });

  await step('hide and show a calendar (remembered after a reload)', async () => {
    const box = page.locator(`.agenda-panneau input[data-calendrier="${cal.id}"]`);
    await box.uncheck();
    await occurrence(page, '2027-03-18', 'salle 14').waitFor({ state: 'detached' });
    await page.reload();
    await page.waitForSelector('.agenda .fc-view');
    assert.equal(await page.locator(`.agenda-panneau input[data-calendrier="${cal.id}"]`).isChecked(), false);
    await page.locator(`.agenda-panneau input[data-calendrier="${cal.id}"]`).check();
    await goTo(page, WEEK);
    await occurrence(page, '2027-03-09').waitFor();
  });

  await step("a colleague's calendar shared read-only: shown, not editable", async () => {
    // Amélie (USERS[1]) adds an event to her calendar and shares it with Jean for reading,
    // through the JSON API with HTTP Basic (no session, so no CSRF token).
    const other = USERS[1];
    const basic = { Authorization: 'Basic ' + Buffer.from(`${other.login}:${other.password}`).toString('base64'),
      Accept: 'application/json' };
    const call = async (method, path, body, who = basic) => {
      const r = await fetch(BASE + path, { method, headers: { ...who, ...(body ? { 'Content-Type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined });
      const text = await r.text();
      return { status: r.status, json: text ? JSON.parse(text) : null };
    };
    const theirs = (await call('GET', '/api/v1/calendars')).json.calendars.find((c) => !c.shared);
    assert.equal((await call('POST', `/api/v1/calendars/${encodeURIComponent(theirs.id)}/events`,
      { summary: 'Conseil de classe 3e A', start: '2027-03-10T17:00:00', end: '2027-03-10T18:30:00',
        timezone: 'Europe/Paris' })).status, 201);
    const shared = await call('POST', `/api/v1/calendars/${encodeURIComponent(theirs.id)}/shares`,
      { with: LOGIN, access: 'read' });
    assert.ok([200, 201].includes(shared.status), JSON.stringify(shared));
    // Jean accepts when the server asks for an answer ([sharing] auto_accept off).
    const mine = { Authorization: 'Basic ' + Buffer.from(`${LOGIN}:${USER.password}`).toString('base64'),
      Accept: 'application/json' };
    const pending = (await call('GET', '/api/v1/me/invitations', undefined, mine)).json?.invitations ?? [];
    for (const inv of pending) await call('POST', `/api/v1/me/invitations/${encodeURIComponent(inv.uid)}`, { accept: true }, mine);
    await page.reload();
    await page.waitForSelector('.agenda .fc-view');
    const label = page.locator('.agenda-panneau li', { hasText: 'lecture seule' });
    assert.ok(await label.count() >= 1, 'the shared calendar is listed as read-only');
    await view(page, 'Semaine');
    await goTo(page, WEEK);
    const ev = occurrence(page, '2027-03-10', 'Conseil de classe 3e A');
    await ev.waitFor();
    assert.doesNotMatch(await ev.getAttribute('class'), /fc-event-draggable/, 'no drag and drop');
    await ev.click();
    const dlg = page.locator('dialog.dialogue-evenement');
    await dlg.waitFor();
    assert.equal(await dlg.locator('button[type=submit]').count(), 0, 'no Enregistrer');
    assert.equal(await dlg.locator('button.danger').count(), 0, 'no Supprimer');
    assert.ok(await dlg.locator('[name=summary]').isDisabled());
    await dlg.getByRole('button', { name: 'Fermer' }).click();
  });

  await step('each view: French title, axe, screenshots', async () => {
    await view(page, 'Jour');
    await goTo(page, '2027-03-09');
    await idle(page);
    assert.equal((await page.textContent('#agenda-periode')).trim(), 'Mardi 9 mars 2027');
    await checkA11y(page, 'agenda-jour');
    await shot(page, 'agenda-jour');
    await view(page, 'Mois');
    await idle(page);
    assert.equal((await page.textContent('#agenda-periode')).trim(), 'Mars 2027');
    await checkA11y(page, 'agenda-mois');
    await shot(page, 'agenda-mois');
    await view(page, 'Liste');
    await goTo(page, WEEK);
    await idle(page);
    assert.match(await page.textContent('.fc-list'), /mardi 9 mars 2027/);
    assert.doesNotMatch(await page.textContent('.fc-list'), /Time|Event/, 'French column names');
    await checkA11y(page, 'agenda-liste');
    await shot(page, 'agenda-liste');
    await view(page, 'Semaine');
    await goTo(page, WEEK);
    await idle(page);
    await shot(page, 'agenda-semaine');
    await page.setViewportSize({ width: 390, height: 844 });
    await checkA11y(page, 'agenda-semaine-mobile');
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1), 'no sideways scrolling');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  // window.print() is replaced so that the print preparation (title, orientation class) stays
  // in place for page.pdf(), which prints with the print stylesheet.
  async function printToPdf(file) {
    await page.evaluate(() => { window.print = () => { window.__printed = (window.__printed ?? 0) + 1; }; });
    await page.click('button.imprimer');
    assert.ok(await page.evaluate(() => window.__printed >= 1), 'window.print() called');
    await page.emulateMedia({ media: 'print' });
    await page.pdf({ path: file, preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: 'screen' });
    await page.evaluate(() => window.dispatchEvent(new Event('afterprint')));
  }

  await step('print the week: one page, title, events with times', async () => {
    const file = join(TMP, 'semaine.pdf');
    await printToPdf(file);
    const text = pdfText(file).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`Planning de ${NAME} — semaine 10, du lundi 8 au dimanche 14 mars 2027`));
    assert.match(text, /14:00/);
    assert.match(text, /Cours de math/);
    assert.doesNotMatch(text, /Nouvel évènement|Télécharger en PDF/, 'no buttons on paper');
    const info = pdfInfo(file);
    assert.equal(info.pages, 1, 'the week on one page');
    assert.ok(info.size[0] < info.size[1], 'portrait');
    if (process.env.CARTABLE_SHOTS) {
      execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', file, join(process.env.CARTABLE_SHOTS, 'agenda-impression-semaine')]);
    }
  });

  await step('print the month: one landscape A4 page', async () => {
    await view(page, 'Mois');
    await idle(page);
    const file = join(TMP, 'mois.pdf');
    await printToPdf(file);
    const text = pdfText(file).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`Planning de ${NAME} — mars 2027`));
    assert.match(text, /Cours de math/);
    const info = pdfInfo(file);
    assert.equal(info.pages, 1, 'the month on one page');
    assert.ok(info.size[0] > info.size[1], 'landscape: ' + info.size);
    if (process.env.CARTABLE_SHOTS) {
      execFileSync('pdftoppm', ['-png', '-r', '60', '-singlefile', file, join(process.env.CARTABLE_SHOTS, 'agenda-impression-mois')]);
    }
  });

  await step('download the planning as a PDF (pdfmake, text)', async () => {
    await view(page, 'Semaine');
    await goTo(page, WEEK);
    await idle(page);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.pdf')]);
    const file = join(TMP, 'telecharge.pdf');
    await download.saveAs(file);
    assert.match(download.suggestedFilename(), /^planning-semaine-2027-03-08\.pdf$/);
    const text = pdfText(file).replace(/\s+/g, ' ');
    assert.match(text, new RegExp(`Planning de ${NAME} — semaine 10, du lundi 8 au dimanche 14 mars 2027`));
    assert.match(text, /14:00–15:00 Cours de mathématiques 4e B/);
    assert.match(text, /10:00–11:00 Cours de mathématiques 4e B/);
    assert.equal(pdfInfo(file).pages, 1);
  });
});
