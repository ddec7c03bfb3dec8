// /partage in Debian's chromium (issue 13): Jean shares his agenda with Amélie at read level,
// found through the directory autocomplete (keyboard only); Amélie, in a second browser
// context, sees it in her calendar list (GET /api/v1/calendars) and on her sharing page; the
// level changes to read-write and she sees that too; a department is added as a group and
// removed; Paul becomes Jean's delegate and sees it on his page; the account links.
// Run by scripts/run_webapp.sh (tests/web/app/harness.mjs: launch, signIn, checkA11y, shot).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, checkA11y, shot, open, BASE } from './harness.mjs';

// tests/web/staff.csv
const JEAN = { login: 'jmartin', name: 'Jean Martin' };
const AMELIE = { login: 'alefevre', name: 'Amélie Lefèvre' };
const PAUL = { login: 'pdurand', name: 'Paul Durand' };

// One browser per person (separate cookies), each watched by the harness.
const apps = [];
const pages = {};

async function as(who) {
  const app = await launch();
  apps.push(app);
  app.page.setDefaultTimeout(20_000);
  await signIn(app.page, who.login);
  return app.page;
}
async function gotoSharing(page) {
  await open(page, '/partage');
  await page.getByRole('heading', { name: 'Mes agendas et carnets partagés' }).waitFor();
  await page.locator('.partages').first().locator('ul, p.vide').first().waitFor();
}
async function calendarsOf(page) {
  const r = await page.request.get(`${BASE}/api/v1/calendars`);
  assert.equal(r.status(), 200);
  return (await r.json()).calendars;
}
// The card of Jean's own calendar named `name` on his sharing page.
const card = (page, name) => page.locator('article.collection', { has: page.getByRole('heading', { name: new RegExp(`^${name} — `) }) });

before(async () => {
  pages.jean = await as(JEAN);
  pages.amelie = await as(AMELIE);
});
after(async () => { for (const app of apps) await app.close(); });

let agenda;  // Jean's first own calendar holding events

test('the sharing page lists the own calendars and books, the account links; accessible', async () => {
  const page = pages.jean;
  await gotoSharing(page);
  assert.equal(await page.locator('h1').count(), 1);
  const own = (await calendarsOf(page)).filter((c) => c.access === 'owner');
  agenda = own.find((c) => (c.components ?? ['VEVENT']).includes('VEVENT')) ?? own[0];
  for (const c of own) await card(page, c.name).waitFor();
  for (const [name, href] of [['Mon compte', '/compte'], ['Changer de mot de passe', '/compte/mot-de-passe'],
    ['Double authentification', '/compte/double-authentification'], ['Appareils connectés', '/compte/appareils'],
    ['Mots de passe d’applications', '/compte/mots-de-passe-applications']]) {
    assert.equal(await page.locator('.liens-compte').getByRole('link', { name, exact: true }).getAttribute('href'), href);
  }
  assert.match(await page.locator('#titre-invitations + *').textContent(), /Aucune invitation en attente/);
  await checkA11y(page, 'partage');
});

test('share a calendar with a colleague at read level, found with the directory autocomplete', async () => {
  const page = pages.jean;
  const c = card(page, agenda.name);
  const input = c.getByRole('combobox', { name: 'Partager avec' });
  await input.fill('amél');
  const option = c.getByRole('option', { name: new RegExp(AMELIE.name) });
  await option.waitFor();
  await checkA11y(page, 'partage-autocompletion');
  await input.press('ArrowDown');
  assert.equal(await input.getAttribute('aria-activedescendant'), await c.getByRole('option').first().getAttribute('id'));
  await input.press('Enter');
  assert.equal(await input.inputValue(), AMELIE.name);
  assert.equal(await input.getAttribute('aria-expanded'), 'false');
  await c.getByLabel('Niveau', { exact: true }).selectOption('read');
  await c.getByRole('button', { name: 'Partager', exact: true }).click();
  await page.locator('#annonce', { hasText: `partagé avec ${AMELIE.name} (lecture)` }).waitFor();
  const level = c.getByRole('combobox', { name: `Niveau de partage de « ${agenda.name} » avec ${AMELIE.name}` });
  assert.equal(await level.inputValue(), 'read');
  const r = await page.request.get(`${BASE}/api/v1/calendars/${encodeURIComponent(agenda.id)}/shares`);
  const shares = (await r.json()).shares;
  assert.deepEqual(shares.map((s) => [s.with, s.access]), [[AMELIE.login, 'read']]);
  await shot(page, 'partage');
});

test('the colleague sees the shared calendar (second browser context)', async () => {
  const page = pages.amelie;
  const mine = (await calendarsOf(page)).find((c) => c.owner?.login === JEAN.login);
  assert.ok(mine, 'Jean\'s agenda is in Amélie\'s calendar list');
  assert.equal(mine.access, 'read');
  assert.equal(mine.shared, true);
  await gotoSharing(page);
  const row = page.locator('.partages-recus tbody tr', { hasText: JEAN.name });
  await row.waitFor();
  assert.match(await row.textContent(), /Lecture/);
  // She cannot see or change the shares of Jean's calendar (issue 12's access rules).
  const r = await page.request.get(`${BASE}/api/v1/calendars/${encodeURIComponent(mine.id)}/shares`);
  assert.equal(r.status(), 403);
  await checkA11y(page, 'partage-collegue');
});

test('change the level to read-write; the colleague gets it', async () => {
  const page = pages.jean;
  const c = card(page, agenda.name);
  await c.getByRole('combobox', { name: `Niveau de partage de « ${agenda.name} » avec ${AMELIE.name}` }).selectOption('read-write');
  await page.locator('#annonce', { hasText: `${AMELIE.name} : lecture et écriture` }).waitFor();
  const mine = (await calendarsOf(pages.amelie)).find((x) => x.owner?.login === JEAN.login);
  assert.equal(mine.access, 'read-write');
});

test('share with a department as a group, then remove that share', async () => {
  const page = pages.jean;
  const c = card(page, agenda.name);
  const input = c.getByRole('combobox', { name: 'Partager avec' });
  await input.fill('indre');
  const option = c.getByRole('option', { name: /Indre-et-Loire/ });
  await option.waitFor();
  await option.click();
  await c.getByLabel('Niveau', { exact: true }).selectOption('freebusy');
  await c.getByRole('button', { name: 'Partager', exact: true }).click();
  await page.locator('#annonce', { hasText: '(disponibilités seulement)' }).waitFor();
  let shares = (await (await page.request.get(`${BASE}/api/v1/calendars/${encodeURIComponent(agenda.id)}/shares`)).json()).shares;
  const group = shares.find((s) => s.group);
  assert.equal(group.with, 'departement:37');
  assert.equal(group.access, 'freebusy');
  await c.locator('.partage', { hasText: '(groupe)' }).getByRole('button', { name: /^Retirer le partage/ }).click();
  await page.getByRole('dialog', { name: 'Retirer le partage' }).getByRole('button', { name: 'Retirer' }).click();
  await page.locator('#annonce', { hasText: 'n’est plus partagé avec' }).waitFor();
  shares = (await (await page.request.get(`${BASE}/api/v1/calendars/${encodeURIComponent(agenda.id)}/shares`)).json()).shares;
  assert.deepEqual(shares.map((s) => s.with), [AMELIE.login]);
});

test('an unknown colleague is refused with a French message, nothing changes', async () => {
  const page = pages.jean;
  const c = card(page, agenda.name);
  apps[0].allow(/status of 404/);  // the refused POST, logged by the browser
  await c.getByRole('combobox', { name: 'Partager avec' }).fill('personne.inconnue@exemple.fr');
  await c.getByRole('button', { name: 'Partager', exact: true }).click();
  await page.locator('#annonce', { hasText: 'Collègue ou groupe introuvable' }).waitFor();
  const shares = (await (await page.request.get(`${BASE}/api/v1/calendars/${encodeURIComponent(agenda.id)}/shares`)).json()).shares;
  assert.equal(shares.length, 1);
});

test('add a delegate; the delegate sees whose calendars they manage', async () => {
  const page = pages.jean;
  const input = page.getByRole('combobox', { name: 'Nouveau délégué' });
  await input.fill('paul');
  await page.getByRole('option', { name: new RegExp(PAUL.name) }).waitFor();
  await input.press('ArrowDown');
  await input.press('Enter');
  await page.locator('#titre-delegues').locator('..').getByLabel('Niveau', { exact: true }).selectOption('read-write');
  await page.getByRole('button', { name: 'Ajouter le délégué' }).click();
  await page.locator('#annonce', { hasText: `${PAUL.name} est votre délégué (lecture et écriture)` }).waitFor();
  const r = await page.request.get(`${BASE}/api/v1/me/delegates`);
  assert.deepEqual((await r.json()).delegates.map((d) => [d.login, d.access]), [[PAUL.login, 'read-write']]);
  await page.getByRole('combobox', { name: `Niveau de délégation de ${PAUL.name}` }).waitFor();
  await checkA11y(page, 'partage-delegues');

  const paul = await as(PAUL);
  await gotoSharing(paul);
  await paul.getByRole('heading', { name: 'Vous êtes délégué de' }).waitFor();
  assert.match(await paul.locator('#titre-delegues').locator('..').textContent(), new RegExp(`${JEAN.name}\\s*Lecture et écriture`));
});

test('remove the colleague\'s share: it leaves her list', async () => {
  const page = pages.jean;
  await page.getByRole('button', { name: `Retirer le partage de « ${agenda.name} » avec ${AMELIE.name}` }).click();
  await page.getByRole('dialog', { name: 'Retirer le partage' }).getByRole('button', { name: 'Retirer' }).click();
  await page.locator('#annonce', { hasText: `n’est plus partagé avec ${AMELIE.name}` }).waitFor();
  assert.ok(!(await calendarsOf(pages.amelie)).some((c) => c.owner?.login === JEAN.login));
});

test('the sharing page on a phone', async () => {
  const page = pages.jean;
  await page.setViewportSize({ width: 390, height: 844 });
  await gotoSharing(page);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 390 px (${overflow} px)`);
  await checkA11y(page, 'partage-390');
});

test('no script error, console error or CSP violation in the pages', () => {
  for (const app of apps) app.check();
});
