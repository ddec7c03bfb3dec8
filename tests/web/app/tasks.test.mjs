// /taches in Debian's chromium (issue 13): create tasks with a due date and a priority,
// complete and reopen one with its checkbox, the filters (à faire, en retard, terminées,
// toutes), edit, delete, and "Imprimer": the page printed to PDF (page.pdf with the print
// media) read back with pdftotext: the title "Tâches de <Nom>", the tasks, no navigation or
// button. What the page shows is checked against the server's own answer (GET …/tasks).
// Run by scripts/run_webapp.sh (tests/web/app/harness.mjs: launch, signIn, checkA11y, shot).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, signIn, checkA11y, shot, open, BASE } from './harness.mjs';

const JEAN = { login: 'jmartin', name: 'Jean Martin' };  // tests/web/staff.csv

// Dates as the page's date inputs take them (the browser runs in Europe/Paris, like the server).
function day(offset) {
  const d = new Date();
  d.setDate(d.getDate() + offset);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}
const LATE = 'Rendre les bulletins du 1er trimestre';
const SOON = 'Préparer le conseil de classe';
const LATER = 'Commander les manuels';
const NODATE = 'Relire le projet d’établissement';

let app, page, tmp;

before(async () => {
  app = await launch();  // one browser for the steps below; its problems are checked last
  page = app.page;
  page.setDefaultTimeout(20_000);
  await signIn(page, JEAN.login);
  tmp = mkdtempSync(join(tmpdir(), 'cartable-taches-'));
});
after(async () => {
  await app?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

const items = () => page.locator('.taches-liste > li .tache-titre').allTextContents();
async function filter(label) {
  await page.getByRole('radio', { name: new RegExp(`^${label} \\(`) }).check();
}
async function addTask(summary, due, priority) {
  await page.getByLabel('Nouvelle tâche', { exact: true }).fill(summary);
  if (due) await page.getByLabel('Échéance', { exact: true }).fill(due);
  if (priority) await page.getByLabel('Priorité', { exact: true }).selectOption({ label: priority });
  await page.getByRole('button', { name: 'Ajouter', exact: true }).click();
  await page.locator('.taches-liste .tache-titre', { hasText: summary }).waitFor();
  assert.match(await page.locator('#annonce').textContent(), /ajoutée/);
}
// The server's view of the selected list: GET /api/v1/calendars/{id}/tasks?status=…
async function serverTasks(status) {
  const list = new URL(page.url()).searchParams.get('liste') ?? await page.getByLabel('Liste de tâches').inputValue();
  const r = await page.request.get(`${BASE}/api/v1/calendars/${encodeURIComponent(list)}/tasks?status=${status}`);
  assert.equal(r.status(), 200);
  return (await r.json()).tasks;
}

test('the task page opens on the person\'s task list, accessible', async () => {
  await open(page, '/taches');
  await page.getByLabel('Liste de tâches').waitFor();
  assert.equal(await page.locator('h1').count(), 1);
  assert.equal(await page.locator('h1').textContent(), 'Tâches');
  assert.ok((await page.getByLabel('Liste de tâches').locator('option').count()) >= 1, 'at least one task list');
  await checkA11y(page, 'taches-vide');
});

test('create tasks with due dates and priorities: sorted by due date', async () => {
  await addTask(SOON, day(2), 'Haute');
  await addTask(LATE, day(-3));
  await addTask(NODATE);
  await addTask(LATER, day(10), 'Basse');
  assert.deepEqual(await items(), [LATE, SOON, LATER, NODATE]);
  const byName = Object.fromEntries((await serverTasks('all')).map((t) => [t.summary, t]));
  assert.equal(String(byName[SOON].due).slice(0, 10), day(2));
  assert.ok(byName[SOON].priority >= 1 && byName[SOON].priority <= 4, 'haute is 1-4');
  assert.ok(byName[LATER].priority >= 6, 'basse is 6-9');
  assert.equal(byName[NODATE].due, null);
  const late = page.locator('.taches-liste > li', { hasText: LATE });
  assert.match(await late.textContent(), /En retard/);
  await shot(page, 'taches');
});

test('complete a task with its checkbox; the filters show done and overdue tasks', async () => {
  await page.getByRole('checkbox', { name: SOON }).click();
  await page.locator('#annonce', { hasText: `« ${SOON} » terminée` }).waitFor();
  // "À faire" no longer lists it, and focus stays in the list (not lost on <body>).
  assert.deepEqual(await items(), [LATE, LATER, NODATE]);
  assert.ok(await page.evaluate(() => !!document.activeElement?.closest('.taches-section')), 'focus stays in the task list');
  const done = await serverTasks('done');
  assert.deepEqual(done.map((t) => t.summary), [SOON]);
  assert.equal(done[0].status, 'COMPLETED');
  assert.ok(done[0].completed, 'COMPLETED has a completion time');

  await filter('Terminées');
  assert.deepEqual(await items(), [SOON]);
  assert.equal(await page.getByRole('checkbox', { name: SOON }).isChecked(), true);
  await filter('En retard');
  assert.deepEqual(await items(), [LATE]);
  assert.deepEqual((await serverTasks('overdue')).map((t) => t.summary), [LATE]);
  await filter('Toutes');
  assert.deepEqual(await items(), [LATE, LATER, NODATE, SOON], 'open first by due date, then done');
  assert.match(await page.getByRole('radio', { name: /^Terminées/ }).locator('..').textContent(), /Terminées \(1\)/);
  await checkA11y(page, 'taches-filtres');
});

test('reopen a completed task', async () => {
  await filter('Terminées');
  await page.getByRole('checkbox', { name: SOON }).click();
  await page.locator('#annonce', { hasText: `« ${SOON} » rouverte` }).waitFor();
  assert.deepEqual(await items(), []);
  assert.equal(await page.locator('.taches-compte').textContent(), 'Aucune tâche terminée.');
  const t = (await serverTasks('all')).find((x) => x.summary === SOON);
  assert.notEqual(t.status, 'COMPLETED');
  await filter('À faire');
  assert.deepEqual(await items(), [LATE, SOON, LATER, NODATE]);
});

test('edit a task in a dialog (title, description, due date, priority)', async () => {
  await page.getByRole('button', { name: `Modifier « ${NODATE} »` }).click();
  const dlg = page.getByRole('dialog', { name: `Modifier la tâche « ${NODATE} »` });
  await dlg.waitFor();
  await checkA11y(page, 'taches-modifier');
  await dlg.getByLabel('Titre').fill(`${NODATE} (version 2)`);
  await dlg.getByLabel('Description').fill('Avec les remarques du CA.');
  await dlg.getByLabel('Échéance').fill(day(5));
  await dlg.getByLabel('Priorité').selectOption({ label: 'Haute' });
  await dlg.getByRole('button', { name: 'Enregistrer' }).click();
  await dlg.waitFor({ state: 'detached' });
  await page.locator('#annonce', { hasText: `« ${NODATE} (version 2) » enregistrée` }).waitFor();
  assert.deepEqual(await items(), [LATE, SOON, `${NODATE} (version 2)`, LATER]);
  const t = (await serverTasks('all')).find((x) => x.summary === `${NODATE} (version 2)`);
  assert.equal(t.description, 'Avec les remarques du CA.');
  assert.equal(String(t.due).slice(0, 10), day(5));
  assert.ok(t.priority >= 1 && t.priority <= 4);
});

test('delete a task after confirmation', async () => {
  await page.getByRole('button', { name: `Supprimer « ${LATER} »` }).click();
  const dlg = page.getByRole('dialog', { name: 'Supprimer la tâche' });
  await dlg.getByRole('button', { name: 'Supprimer' }).click();
  await page.locator('#annonce', { hasText: 'supprimée' }).waitFor();
  assert.ok(!(await items()).includes(LATER));
  assert.ok(!(await serverTasks('all')).some((t) => t.summary === LATER));
});

test('"Imprimer" prints the task list: title with the name, the tasks, no navigation or button', async () => {
  await filter('Toutes');
  await page.getByRole('checkbox', { name: LATE }).click();
  await page.locator('#annonce', { hasText: 'terminée' }).waitFor();
  // The button calls window.print() (counted here; the PDF below is that same print view).
  await page.evaluate(() => { window.__prints = 0; window.print = () => { window.__prints += 1; }; });
  await page.getByRole('button', { name: 'Imprimer' }).click();
  assert.equal(await page.evaluate(() => window.__prints), 1);
  await page.emulateMedia({ media: 'print' });
  const pdf = join(tmp, 'taches.pdf');
  await page.pdf({ path: pdf, format: 'A4', printBackground: false });
  await page.emulateMedia({ media: 'screen' });
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
  assert.match(text, new RegExp(`^\\s*Tâches de ${JEAN.name} Liste « Tâches » — toutes — imprimée le`));
  for (const t of [SOON, LATE, `${NODATE} (version 2)`]) assert.ok(text.includes(t), `the PDF lists « ${t} »: ${text}`);
  assert.match(text, /Échéance : \S+ \d{1,2} \S+ \d{4}/, 'due dates in French');
  assert.match(text, /Terminée/, 'done tasks say so on paper');
  for (const absent of ['Annuaire', 'Ajouter', 'Nouvelle liste', 'Imprimer', 'Modifier', 'Supprimer', 'Aller au contenu']) {
    assert.ok(!text.includes(absent), `no « ${absent} » on paper: ${text}`);
  }
  const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [pdf], { encoding: 'utf8' }))[1]);
  assert.equal(pages, 1, 'four tasks fit on one A4 page');
  assert.ok(readFileSync(pdf).length > 1000);
});

test('a new task list, and the page on a phone', async () => {
  await page.getByRole('button', { name: 'Nouvelle liste' }).click();
  const dlg = page.getByRole('dialog', { name: 'Nouvelle liste de tâches' });
  await dlg.getByLabel('Nom de la liste').fill('Projet Erasmus');
  await dlg.getByRole('button', { name: 'Créer' }).click();
  await page.locator('#annonce', { hasText: '« Projet Erasmus » créée' }).waitFor();
  const select = page.getByLabel('Liste de tâches');
  assert.equal(await select.locator('option:checked').textContent(), 'Projet Erasmus');
  const r = await page.request.get(`${BASE}/api/v1/calendars`);
  const created = (await r.json()).calendars.find((c) => c.name === 'Projet Erasmus');
  assert.deepEqual(created.components, ['VTODO']);
  assert.deepEqual(await items(), []);
  await addTask('Réserver les billets', day(20));
  await select.selectOption({ label: 'Tâches' });
  await page.locator('.taches-liste .tache-titre', { hasText: SOON }).waitFor();

  await page.setViewportSize({ width: 390, height: 844 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 390 px (${overflow} px)`);
  await checkA11y(page, 'taches-390');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('no script error, console error or CSP violation in the page', () => {
  app.check();
});
