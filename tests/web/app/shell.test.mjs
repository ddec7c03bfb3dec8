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
