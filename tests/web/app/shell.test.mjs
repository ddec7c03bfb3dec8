// The web application's shell (issue 13) in chromium: the signed-in navigation, every area's
// page with its bundle (no CSP violation, no console error), axe on the shell, the assets'
// caching and compression, and the idle-session warning.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, checkA11y, shot, open, USERS, BASE, AREAS, PHONE } from './harness.mjs';

const NAV = ['Agenda', 'Invitations', 'Tâches', 'Annuaire', 'Contacts', 'Partage', 'Mon compte'];

test('every application page loads its bundle under the CSP, with the navigation', async (t) => {
  const { page } = await launch(t);
  await signIn(page, USERS[0]);
  for (const [path, area] of Object.entries(AREAS)) {
    const response = await open(page, path);
    const csp = response.headers()['content-security-policy'];
    const nonce = await page.locator('meta[name="csp-nonce"]').getAttribute('content');
    assert.ok(nonce && csp.includes(`'nonce-${nonce}'`), `${path}: nonce of the meta in the CSP`);
    assert.equal(await page.locator('[data-app]').getAttribute('data-app'), area);
    const links = page.locator('nav.navigation a');
    assert.deepEqual(await links.allInnerTexts(), NAV);
    assert.equal(await page.locator('nav.navigation a[aria-current="page"]').getAttribute('href'), path);
    await checkA11y(page, path);
  }
  await open(page, '/agenda');
  await shot(page, 'application-agenda');
});

test('the bundle is served compressed and cached for a year', async (t) => {
  const { page } = await launch(t);
  await signIn(page, USERS[0]);
  await open(page, '/agenda');
  const urls = await page.evaluate(() => [
    document.querySelector('script[type="module"]').src,
    document.querySelector('link[rel="stylesheet"][href^="/app/"]').href,
  ]);
  for (const url of urls) {
    const r = await page.request.get(url, { headers: { 'Accept-Encoding': 'gzip' } });
    assert.equal(r.status(), 200, url);
    const h = r.headers();
    assert.equal(h['content-encoding'], 'gzip', url);
    assert.equal(h['cache-control'], 'public, max-age=31536000, immutable', url);
    assert.match(h['content-type'], url.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    assert.match(h.vary ?? '', /Accept-Encoding/i);
    const again = await page.request.get(url, { headers: { 'If-None-Match': h.etag, 'Accept-Encoding': 'gzip' } });
    assert.equal(again.status(), 304, `${url} revalidated`);
  }
  const missing = await page.request.get(`${BASE}/app/absent.js`);
  assert.equal(missing.status(), 404);
});

test('on a phone the navigation folds behind "Menu"', async (t) => {
  const { page } = await launch(t, { viewport: PHONE });
  await signIn(page, USERS[1]);
  await open(page, '/taches');
  const menu = page.getByRole('button', { name: 'Menu' });
  const agenda = page.locator('nav.navigation a[href="/agenda"]');
  assert.equal(await agenda.isVisible(), false, 'folded');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  await menu.click();
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  assert.equal(await agenda.isVisible(), true, 'unfolded');
  await checkA11y(page, 'menu ouvert (téléphone)');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= PHONE.width, `no sideways scrolling (${width}px)`);
  await agenda.click();
  await page.waitForURL(`${BASE}/agenda`);
});

test('idle session: the warning two minutes before, "Rester connecté", then the limit', async (t) => {
  const { page } = await launch(t);
  await signIn(page, USERS[2] ?? USERS[0]);
  // The page's clock only (Playwright's fake timers): the server session stays fresh, so
  // "Rester connecté" gets a real 200 from GET /api/v1/me.
  await page.clock.install();
  await open(page, '/agenda');
  const idle = Number(await page.locator('meta[name="cartable-idle-seconds"]').getAttribute('content'));
  assert.ok(idle >= 60, `idle limit ${idle}`);
  const dialog = page.locator('dialog.dialogue[open]');
  // The page counts from its last call less a minute (the server records use once a minute);
  // the warning is due two minutes before that.
  const warnAt = idle - 60 - 120;
  await page.clock.fastForward((warnAt - 5) * 1000);
  assert.equal(await dialog.count(), 0, 'no warning yet');
  await page.clock.fastForward(10_000);
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.locator('h2').innerText(), /Vous allez être déconnecté dans 2 minutes/);
  await checkA11y(page, 'avertissement de fin de session');
  await shot(page, 'application-session');
  const me = page.waitForResponse((r) => r.url().endsWith('/api/v1/me'));
  await dialog.getByRole('button', { name: 'Rester connecté' }).click();
  assert.equal((await me).status(), 200);
  await dialog.waitFor({ state: 'detached' });
  // A whole new period from the click: no warning just before it is due...
  await page.clock.fastForward((warnAt - 5) * 1000);
  assert.equal(await dialog.count(), 0, 'the limit moved with "Rester connecté"');
  // ...and at the limit, the session is ended and the sign-in page says why.
  const ended = page.waitForResponse((r) => r.url().endsWith('/api/v1/session') && r.request().method() === 'DELETE');
  await page.clock.fastForward(200_000);
  assert.equal((await ended).status(), 204);
  await page.waitForURL((u) => u.pathname === '/connexion');
  const url = new URL(page.url());
  assert.equal(url.searchParams.get('info'), 'session-expired');
  assert.equal(url.searchParams.get('suite'), '/agenda');
  assert.match(await page.locator('p.info').innerText(), /Votre session a expiré/);
  // The session really ended: the application sends to the sign-in page.
  const back = await page.request.get(`${BASE}/agenda`, { maxRedirects: 0 });
  assert.equal(back.status(), 303);
});

test('"Se déconnecter" in the warning ends the session', async (t) => {
  const { page } = await launch(t);
  await signIn(page, USERS[0]);
  await page.clock.install();
  await open(page, '/contacts');
  const idle = Number(await page.locator('meta[name="cartable-idle-seconds"]').getAttribute('content'));
  await page.clock.fastForward((idle - 60 - 110) * 1000);
  const dialog = page.locator('dialog.dialogue[open]');
  await dialog.waitFor({ state: 'visible' });
  await dialog.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.waitForURL((u) => u.pathname === '/connexion');
  assert.equal(new URL(page.url()).searchParams.get('info'), 'signed-out');
  const back = await page.request.get(`${BASE}/contacts`, { maxRedirects: 0 });
  assert.equal(back.status(), 303);
});
