// /contacts in Debian's chromium (issue 13): create an address book, a contact (names,
// organisation, function, e-mails, phones, note), a group with the contact as member, search,
// import a .vcf whose second card is refused, export the book and read the file, edit and
// delete, rename and delete a book. What the page shows is checked against the server's answer.
// Run by scripts/run_webapp.sh (tests/web/app/harness.mjs: launch, signIn, checkA11y, shot).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, signIn, checkA11y, shot, open, BASE } from './harness.mjs';

const BOOK = 'Conseil pédagogique';
const CLAIRE = 'Claire Dubois';
const GROUP = 'Équipe de direction';
// Three cards: the second has no FN and no N (RFC 6350 §6.2.1: FN is required), so it is
// refused and the two others are kept.
const VCF = [
  'BEGIN:VCARD', 'VERSION:3.0', 'UID:import-1@exemple.fr', 'FN:Hervé Lambert', 'N:Lambert;Hervé;;;',
  'EMAIL;TYPE=WORK:herve.lambert@ac-orleans-tours.fr', 'ORG:Collège Jean Zay', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:3.0', 'UID:import-2@exemple.fr', 'NOTE:carte sans nom', 'END:VCARD',
  'BEGIN:VCARD', 'VERSION:3.0', 'UID:import-3@exemple.fr', 'FN:Sophie Girard', 'N:Girard;Sophie;;;',
  'TEL;TYPE=CELL:06 12 34 56 78', 'END:VCARD', '',
].join('\r\n');

let app, page;

before(async () => {
  app = await launch(undefined, { contextOptions: { acceptDownloads: true } });
  page = app.page;
  page.setDefaultTimeout(20_000);
  await signIn(page, 'jmartin');
});
after(async () => { await app?.close(); });

const names = () => page.locator('.contacts-liste > li .contact-nom').allTextContents();
const current = () => page.locator('.carnets-liste button[aria-current="true"]');
async function bookId() { return new URL(page.url()).searchParams.get('carnet'); }
async function serverContacts() {
  const r = await page.request.get(`${BASE}/api/v1/addressbooks/${encodeURIComponent(await bookId())}/contacts`);
  assert.equal(r.status(), 200);
  return (await r.json()).contacts;
}
async function inDialog(title, fn, submit) {
  const dlg = page.getByRole('dialog', { name: title });
  await dlg.waitFor();
  await fn(dlg);
  await dlg.getByRole('button', { name: submit, exact: true }).click();
  await dlg.waitFor({ state: 'detached' });
}

test('the contacts page lists the address books, accessible', async () => {
  await open(page, '/contacts');
  await page.getByRole('heading', { name: 'Carnets d’adresses' }).waitFor();
  assert.equal(await page.locator('h1').count(), 1);
  await page.getByRole('searchbox', { name: 'Rechercher un contact' }).waitFor();
  await checkA11y(page, 'contacts-accueil');
});

test('create an address book', async () => {
  await page.getByRole('button', { name: 'Nouveau carnet' }).click();
  await inDialog('Nouveau carnet d’adresses', (d) => d.getByLabel('Nom du carnet').fill(BOOK), 'Créer le carnet');
  await page.locator('#annonce', { hasText: `« ${BOOK} » créé` }).waitFor();
  assert.match(await current().textContent(), new RegExp(BOOK));
  const r = await page.request.get(`${BASE}/api/v1/addressbooks`);
  const book = (await r.json()).addressbooks.find((b) => b.name === BOOK);
  assert.ok(book, 'the server lists the new book');
  assert.equal(book.id, await bookId());
  assert.equal(await page.locator('.contacts-compte').textContent(), 'Aucun contact.');
});

test('create a contact with every field', async () => {
  await page.getByRole('button', { name: 'Nouveau contact' }).click();
  await inDialog('Nouveau contact', async (d) => {
    await checkA11y(page, 'contacts-fiche');
    await d.getByLabel('Prénom').fill('Claire');
    await d.getByLabel('Nom', { exact: true }).fill('Dubois');
    await d.getByLabel('Organisation').fill('Lycée Descartes');
    await d.getByLabel('Fonction').fill('Proviseure adjointe');
    await d.getByLabel('Adresse e-mail 1', { exact: true }).fill('claire.dubois@ac-orleans-tours.fr');
    await d.getByRole('button', { name: 'Ajouter une adresse' }).click();
    await d.getByLabel('Adresse e-mail 2', { exact: true }).fill('claire.dubois@exemple.fr');
    await d.getByLabel('Type de l’adresse e-mail 2').selectOption('home');
    await d.getByLabel('Téléphone 1', { exact: true }).fill('02 47 00 00 10');
    await d.getByLabel('Note').fill('Référente du conseil pédagogique.');
  }, 'Créer le contact');
  await page.locator('#annonce', { hasText: `${CLAIRE} créé` }).waitFor();
  assert.deepEqual(await names(), [CLAIRE]);
  const c = (await serverContacts()).find((x) => x.fn === CLAIRE);
  assert.equal(c.given, 'Claire');
  assert.equal(c.family, 'Dubois');
  assert.equal(c.org, 'Lycée Descartes');
  assert.equal(c.title, 'Proviseure adjointe');
  assert.deepEqual(c.emails.map((e) => e.value), ['claire.dubois@ac-orleans-tours.fr', 'claire.dubois@exemple.fr']);
  assert.equal(c.phones[0].value, '02 47 00 00 10');
  assert.equal(c.note, 'Référente du conseil pédagogique.');
});

test('create a group and add the contact to it', async () => {
  await page.getByRole('button', { name: 'Nouveau groupe' }).click();
  await inDialog('Nouveau groupe', (d) => d.getByLabel('Nom du groupe').fill(GROUP), 'Créer le groupe');
  await page.locator('#annonce', { hasText: `« ${GROUP} » créé` }).waitFor();
  await page.getByRole('button', { name: `Membres du groupe « ${GROUP} »` }).click();
  await inDialog(`Membres du groupe « ${GROUP} »`, async (d) => {
    await d.getByRole('checkbox', { name: CLAIRE }).check();
  }, 'Enregistrer');
  await page.locator('#annonce', { hasText: '1 membre' }).waitFor();
  const all = await serverContacts();
  const group = all.find((x) => x.kind === 'group');
  const claire = all.find((x) => x.fn === CLAIRE);
  assert.equal(group.fn, GROUP);
  assert.deepEqual(group.members, [claire.uid]);
  // The group filter shows its members only; the card says which groups.
  await page.getByRole('button', { name: `${GROUP} (1)` }).click();
  assert.deepEqual(await names(), [CLAIRE]);
  assert.match(await page.locator('.contacts-liste > li').first().textContent(), new RegExp(`Groupes : ${GROUP}`));
  await page.getByRole('button', { name: /^Tous les contacts/ }).click();
});

test('import a .vcf: two cards kept, the bad one refused and named', async () => {
  await page.getByLabel('Importer des vCard (.vcf)').setInputFiles({ name: 'equipe.vcf', mimeType: 'text/vcard', buffer: Buffer.from(VCF) });
  const result = page.locator('.import-resultat');
  await result.getByText(/contacts importés/).waitFor();
  assert.match(await result.textContent(), /2 contacts importés, 1 carte refusée/);
  // Index counted from 1 for people; the UID when the server read one before refusing the card.
  assert.match(await result.textContent(), /Carte n° 2( \(import-2@exemple\.fr\))? : carte sans nom \(FN\)/);
  await page.locator('.contacts-liste .contact-nom', { hasText: 'Sophie Girard' }).waitFor();
  assert.deepEqual(await names(), [CLAIRE, 'Sophie Girard', 'Hervé Lambert']);
  assert.equal((await serverContacts()).length, 4, 'Claire, the group and two imported cards');
  // The imported cards' fields are shown (vCard 3.0 EMAIL;TYPE=WORK, ORG, TEL;TYPE=CELL).
  const herve = await page.locator('.contacts-liste > li', { hasText: 'Hervé Lambert' }).textContent();
  assert.match(herve, /Collège Jean Zay/);
  assert.match(herve, /herve\.lambert@ac-orleans-tours\.fr \(professionnelle\)/);
  assert.match(await page.locator('.contacts-liste > li', { hasText: 'Sophie Girard' }).textContent(), /06 12 34 56 78 \(mobile\)/);
  await checkA11y(page, 'contacts-import');
  await shot(page, 'contacts');
});

test('search the contacts (accents and case ignored)', async () => {
  const search = page.getByRole('searchbox', { name: 'Rechercher un contact' });
  await search.fill('herve');
  assert.deepEqual(await names(), ['Hervé Lambert']);
  await search.fill('LYCÉE desc');
  assert.deepEqual(await names(), [CLAIRE]);
  await search.fill('zzz');
  assert.equal(await page.locator('.contacts-compte').textContent(), 'Aucun contact ne correspond à la recherche.');
  await search.fill('');
  assert.equal((await names()).length, 3);
});

test('export the book as a .vcf file', async () => {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Exporter en vCard' }).click(),
  ]);
  assert.match(download.suggestedFilename(), /\.vcf$/);
  const text = readFileSync(await download.path(), 'utf8');
  assert.equal((text.match(/^BEGIN:VCARD/gm) ?? []).length, 4);
  assert.match(text, /^FN:Claire Dubois\r?$/m);
  assert.match(text, /claire\.dubois@ac-orleans-tours\.fr/);
  assert.match(text, /^FN:Sophie Girard\r?$/m);
  assert.match(text, /X-ADDRESSBOOKSERVER-KIND:group/i);
  assert.match(text, /X-ADDRESSBOOKSERVER-MEMBER:urn:uuid:/i);
  assert.ok(!text.includes('carte sans nom'), 'the refused card was not stored');
});

test('edit a contact, then delete one', async () => {
  await page.getByRole('button', { name: `Modifier ${CLAIRE}` }).click();
  await inDialog(`Modifier ${CLAIRE}`, async (d) => {
    assert.equal(await d.getByLabel('Prénom').inputValue(), 'Claire');
    await d.getByLabel('Fonction').fill('Proviseure');
    await d.getByRole('button', { name: 'Retirer l’adresse e-mail 2' }).click();
  }, 'Enregistrer');
  await page.locator('#annonce', { hasText: `${CLAIRE} enregistré` }).waitFor();
  const c = (await serverContacts()).find((x) => x.fn === CLAIRE);
  assert.equal(c.title, 'Proviseure');
  assert.deepEqual(c.emails.map((e) => e.value), ['claire.dubois@ac-orleans-tours.fr']);
  const group = (await serverContacts()).find((x) => x.kind === 'group');
  assert.deepEqual(group.members, [c.uid], 'the edit kept the group membership');

  await page.getByRole('button', { name: 'Supprimer Hervé Lambert' }).click();
  await page.getByRole('dialog', { name: 'Supprimer le contact' }).getByRole('button', { name: 'Supprimer' }).click();
  await page.locator('#annonce', { hasText: 'Hervé Lambert supprimé' }).waitFor();
  assert.deepEqual(await names(), [CLAIRE, 'Sophie Girard']);
  assert.ok(!(await serverContacts()).some((x) => x.fn === 'Hervé Lambert'));
});

test('rename the group and the book; a second book is deleted', async () => {
  await page.getByRole('button', { name: `Renommer le groupe « ${GROUP} »` }).click();
  await inDialog(`Renommer le groupe « ${GROUP} »`, (d) => d.getByLabel('Nom du groupe').fill('Direction'), 'Renommer');
  await page.getByRole('button', { name: 'Direction (1)' }).waitFor();
  assert.equal((await serverContacts()).find((x) => x.kind === 'group').fn, 'Direction');

  await page.getByRole('button', { name: 'Renommer le carnet' }).click();
  await inDialog(`Renommer le carnet « ${BOOK} »`, (d) => d.getByLabel('Nouveau nom').fill('Conseil pédagogique 2026'), 'Renommer');
  await page.locator('#annonce', { hasText: 'Carnet renommé' }).waitFor();
  assert.match(await current().textContent(), /Conseil pédagogique 2026/);

  await page.getByRole('button', { name: 'Nouveau carnet' }).click();
  await inDialog('Nouveau carnet d’adresses', (d) => d.getByLabel('Nom du carnet').fill('Brouillon'), 'Créer le carnet');
  await page.locator('#annonce', { hasText: '« Brouillon » créé' }).waitFor();
  await page.getByRole('button', { name: 'Supprimer le carnet' }).click();
  await page.getByRole('dialog', { name: 'Supprimer le carnet' }).getByRole('button', { name: 'Supprimer le carnet' }).click();
  await page.locator('#annonce', { hasText: '« Brouillon » supprimé' }).waitFor();
  const r = await page.request.get(`${BASE}/api/v1/addressbooks`);
  const books = (await r.json()).addressbooks.map((b) => b.name);
  assert.ok(!books.includes('Brouillon'));
  assert.ok(books.includes('Conseil pédagogique 2026'));
});

test('the contacts page on a phone', async () => {
  await page.setViewportSize({ width: 390, height: 844 });
  await open(page, '/contacts');
  await page.getByRole('heading', { name: 'Carnets d’adresses' }).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `no sideways scrolling at 390 px (${overflow} px)`);
  await checkA11y(page, 'contacts-390');
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('no script error, console error or CSP violation in the page', () => {
  app.check();
});
