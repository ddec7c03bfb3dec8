// The annuaire page (issue 13, people-ui) in chromium against a real server: search with a
// department filter (accents and case ignored, every word a prefix), a person's card, add a
// colleague to one's contacts, a group's members; axe-core and screenshots at both sizes.
// tests/web/staff.csv: Jean Martin (CPE, Lycée Descartes 0370001A, 37), Amélie Lefèvre
// (Professeure documentaliste, Collège Jean Zay 0450002B, 45), Paul Durand (Lycée Descartes, 37).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { launch, signIn, open, checkA11y, shot, apiCall, USERS } from './harness.mjs';

const user = (login) => USERS.find((u) => u.login === login);
const names = (page) => page.locator('.annuaire-resultats .personne-nom').allInnerTexts();

test('annuaire: search with a department filter, a card, add to contacts, group members', async (t) => {
  const app = await launch(t);
  const { page } = app;
  await signIn(page, 'jmartin');
  await open(page, '/annuaire', { waitFor: '.annuaire-recherche' });
  const search = page.getByLabel('Rechercher un collègue');
  const departement = page.getByLabel('Département', { exact: true });
  await page.locator('select[name="departement"] option[value="45"]').waitFor({ state: 'attached' });

  // Accents and case ignored, every word a prefix: "LEFE am" finds Amélie Lefèvre; the count is
  // read out by the live region.
  await search.fill('LEFE am');
  await page.locator('.annuaire-resultats .personne').first().waitFor();
  assert.deepEqual(await names(page), ['Amélie Lefèvre']);
  await page.locator('#annonce', { hasText: '1 personne trouvée' }).waitFor();

  // The department filter: Amélie is in 45, not in 37.
  await departement.selectOption('37');
  await page.locator('.annuaire-resultats .vide').waitFor();
  await search.fill('lycée');
  await page.locator('.annuaire-resultats .personne').nth(1).waitFor();
  assert.deepEqual((await names(page)).sort(), ['Jean Martin', 'Paul Durand']);
  await departement.selectOption('45');
  await search.fill('lefevre');
  await page.locator('.annuaire-resultats .personne-nom', { hasText: 'Amélie Lefèvre' }).waitFor();
  assert.deepEqual(await names(page), ['Amélie Lefèvre']);

  // Her card: function, establishment, e-mail, "Inviter" and "Écrire".
  const amelie = user('alefevre');
  await page.locator('.annuaire-resultats .personne').first().click();
  const card = page.locator('.fiche-personne');
  await card.getByRole('heading', { name: 'Amélie Lefèvre' }).waitFor();
  const text = await card.innerText();
  assert.match(text, /Professeure documentaliste/);
  assert.match(text, /Collège Jean Zay/);
  assert.equal(await card.getByRole('link', { name: /^Écrire/ }).getAttribute('href'), `mailto:${amelie.email}`);
  assert.equal(await card.getByRole('link', { name: /^Inviter/ }).getAttribute('href'),
    `/agenda?nouveau=1&invite=${encodeURIComponent(amelie.email)}`);
  await checkA11y(page, 'annuaire, fiche');
  await shot(page, 'annuaire-fiche');

  // "Ajouter à mes contacts" copies her card into Jean's address book (the book is chosen
  // when he has several).
  const add = card.getByRole('button', { name: 'Ajouter à mes contacts' });
  await add.waitFor();
  const book = card.locator('select[name="carnet"]');
  let bookId = null;
  if (await book.count()) bookId = await book.inputValue();
  await add.click();
  await card.locator('.fiche-ajout .info', { hasText: 'Amélie Lefèvre a été ajouté' }).waitFor();
  if (!bookId) {
    const books = await apiCall(page, 'GET', '/api/v1/addressbooks');
    bookId = books.json.addressbooks.find((b) => b.writable ?? b.access === 'owner').id;
  }
  const contacts = await apiCall(page, 'GET', `/api/v1/addressbooks/${encodeURIComponent(bookId)}/contacts`);
  assert.equal(contacts.status, 200, contacts.text);
  const copied = contacts.json.contacts.find((c) => c.fn === 'Amélie Lefèvre');
  assert.ok(copied, `Amélie not in the book: ${contacts.text}`);
  assert.ok(copied.emails.some((e) => e.value === amelie.email));

  // A group's members: the Lycée Descartes.
  await page.locator('.annuaire-groupes').getByRole('button', { name: 'Lycée Descartes' }).click();
  await page.getByRole('heading', { name: 'Membres : Lycée Descartes' }).waitFor();
  await page.locator('.annuaire-resultats .personne').nth(1).waitFor();
  assert.deepEqual((await names(page)).sort(), ['Jean Martin', 'Paul Durand']);
  await checkA11y(page, 'annuaire, membres d’un groupe');
  await shot(page, 'annuaire');
});

test('annuaire on a phone: no sideways scrolling, the card below the results', async (t) => {
  const app = await launch(t, { viewport: { width: 390, height: 844 } });
  const { page } = app;
  await signIn(page, 'pdurand');
  await open(page, '/annuaire', { waitFor: '.annuaire-recherche' });
  await page.getByLabel('Rechercher un collègue').fill('martin jean');
  await page.locator('.annuaire-resultats .personne').first().click();
  await page.locator('.fiche-personne').getByRole('heading', { name: 'Jean Martin' }).waitFor();
  assert.match(await page.locator('.fiche-personne').innerText(), /02 47 00 00 02/);
  const wide = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(wide <= 0, `the page scrolls sideways by ${wide}px`);
  await checkA11y(page, 'annuaire (téléphone)');
});
