// The account pages of issue 11 walked in a real browser (Debian's chromium driven by
// playwright-core), as staff would: first login with the NUMEN and the forced change, a lockout
// and its unlock from the command line, activation without a NUMEN, a one-time code computed by
// oathtool, an app password used by python3-caldav, the backup address and the reset link
// received through a real SMTP server on loopback, forgotten login, devices and "se déconnecter
// partout"; also a blocked account unblocked by the identity check, a form posted from another
// origin (CSRF), the audit log (events present, no secret), and the design's page rules (one
// <h1>, forms POST with csrf and labels, no sideways scrolling on a phone). Screenshots of every
// page at 1280×800 and 390×844 when asked.
//
// Run by scripts/run_browser.sh, which starts the server and the SMTP sink and sets:
//   CARTABLE_URL          base URL of the server (http://127.0.0.1:PORT)
//   CARTABLE_BIN, CARTABLE_CONFIG, CARTABLE_DATA   the binary and its store (for `user unlock`)
//   CARTABLE_MAIL_DIR     where tests/clients/smtp_sink.py stores what it receives
//   CARTABLE_SCREENSHOTS  (optional) directory for NAME-1280.png and NAME-390.png
//   CARTABLE_ARTIFACTS    (optional) directory for a failed step's screenshot and HTML
//   CARTABLE_LOCKOUT_THRESHOLD, CARTABLE_LOCKOUT_MINUTES  the server's [accounts]
//                         lockout_threshold and lockout_minutes (lockout_max_temporary = 1)
// The people come from tests/web/staff.csv (imported before the server starts).
//
// Each step asserts what the page shows through the element names and classes fixed by the
// design (fields by name, <p class="erreur" role="alert">, <p class="info" role="status">,
// #secret, #codes-secours, #nouveau-mot-de-passe, #identifiant-retrouve). Steps run in order;
// a step whose prerequisite failed is skipped (and reported), the others still run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = dirname(fileURLToPath(import.meta.url));
const BASE = requiredEnv('CARTABLE_URL').replace(/\/$/, '');
const BIN = requiredEnv('CARTABLE_BIN');
const CONFIG = requiredEnv('CARTABLE_CONFIG');
const DATA = requiredEnv('CARTABLE_DATA');
const MAIL_DIR = requiredEnv('CARTABLE_MAIL_DIR');
const SHOTS = process.env.CARTABLE_SCREENSHOTS || '';
const ARTIFACTS = process.env.CARTABLE_ARTIFACTS || '';
const THRESHOLD = Number(process.env.CARTABLE_LOCKOUT_THRESHOLD || '3');
// [accounts] lockout_minutes and lockout_max_temporary of the server: a second lock blocks.
const LOCK_MINUTES = Number(process.env.CARTABLE_LOCKOUT_MINUTES || '1');
const PYTHON = '/usr/bin/python3';  // Debian's python3-caldav loads only there

// tests/web/staff.csv
const JEAN = {
  login: 'jmartin',
  name: 'Jean Martin',
  email: 'jean.martin@ac-orleans-tours.fr',
  numen: '12E3456789ABC',
  birth: '15/03/1975',
  birthIso: '1975-03-15',
};
// Paul's first lock comes early, so that it is over (lockout_minutes) when the walk comes back
// to block him.
const PAUL = { login: 'pdurand', numen: '37P1234567XYZ', birth: '30/11/1980', nom: 'durand' };
const AMELIE = { login: 'alefevre', name: 'Amélie Lefèvre', birth: '02/07/1982', nom: 'LEFEVRE' };
const BACKUP = 'jean.martin.perso@exemple.fr';
const WEAK = 'password1234';  // 12 characters: refused for its strength, not its length
const PASSWORDS = {
  jean: 'Pivoine-Ardoise-73-Loire',
  jeanReset: 'Hirondelle-Quartz-58-Cher',
  amelie: 'Tilleul-Basalte-42-Indre',
  paul: 'Cormoran-Silex-64-Vienne',
  paulUnblocked: 'Mistral-Obsidienne-27-Sologne',
};
const APP_NAME = 'Thunderbird portable';
const REFUSED = 'Identifiant ou mot de passe incorrect.';
const VIEWPORT = { width: 1280, height: 800 };
const MOBILE = { width: 390, height: 844 };
const TIMEOUT = 60_000;  // Argon2id at the standard cost on a busy 2-core machine

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run scripts/run_browser.sh)`);
  return value;
}

// ---- state shared by the steps ----
const state = {
  jeanPassword: PASSWORDS.jean,
  secret: '',           // the TOTP secret read from #secret
  lastStep: 0,          // the last TOTP time step used (a code is accepted once)
  recoveryCodes: [],
  appPassword: '',
  paulLockedAt: 0,      // when Paul's first (temporary) lock began
};
const failed = new Set();
const shots = new Set();
let browser;
let context;
let page;
let problems = [];  // page errors and CSP violations seen during the current step

// ---- helpers ----
function path(p = page) {
  return new URL(p.url()).pathname;
}

async function newContext(options = {}) {
  // JavaScript off: the pages must work without it (the issue); Playwright still drives them.
  const ctx = await browser.newContext({ viewport: VIEWPORT, locale: 'fr-FR',
                                         javaScriptEnabled: false, ...options });
  ctx.setDefaultTimeout(TIMEOUT);
  ctx.setDefaultNavigationTimeout(TIMEOUT);
  return ctx;
}

function watch(p) {
  p.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  p.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) {
      problems.push(`console: ${m.text()}`);
    }
  });
}

async function goto(p, target) {
  const response = await p.goto(BASE + target);
  assert.ok(response, `no response for ${target}`);
  return response;
}

// Fills the form holding the first field, submits it with its button, and returns the
// response of the page the browser ends on (after any 303).
async function submit(p, fields, { check = [] } = {}) {
  // Visible fields only: a page may also hold per-row forms with hidden fields of the same name
  // (revoke an app password, end a session).
  const field = (name) => `[name="${name}"]:not([type="hidden"])`;
  const names = Object.keys(fields).concat(check);
  const form = p.locator(`form:has(${field(names[0])})`).first();
  assert.ok(await form.count() > 0, `${path(p)}: no form with a field ${names[0]}`);
  for (const [name, value] of Object.entries(fields)) await form.locator(field(name)).fill(value);
  for (const name of check) await form.locator(field(name)).check();
  return clickAndWait(p, form.locator('button[type="submit"]'));
}

async function clickAndWait(p, button) {
  const navigation = p.waitForNavigation({ waitUntil: 'load' });
  await button.click({ noWaitAfter: true });
  const response = await navigation;
  assert.ok(response, 'the form did not load a page');
  return response;
}

// The status of the POST itself when it was redirected (PRG: 303), else of the page.
function postStatus(response) {
  let request = response.request();
  while (request.redirectedFrom()) request = request.redirectedFrom();
  return request === response.request() ? response.status() : 303;
}

async function textOf(p, selector) {
  const locator = p.locator(selector);
  await locator.first().waitFor({ state: 'visible', timeout: 5_000 }).catch(() => {});
  assert.ok(await locator.count() > 0, `${path(p)}: no ${selector} on the page; it shows: ` +
            (await p.locator('body').innerText()).slice(0, 600));
  return (await locator.first().innerText()).trim();
}
const errorOf = (p) => textOf(p, 'p.erreur[role="alert"]');
const noticeOf = (p) => textOf(p, 'p.info[role="status"]');

async function assertNoError(p) {
  const errors = await p.locator('p.erreur').allInnerTexts();
  assert.deepEqual(errors, [], `${path(p)} shows an error`);
}

// The design's rules for every page and form: one <h1>; forms with method post, a hidden csrf,
// a <label for> per field and one submit button. Recorded (per page) rather than thrown, so that
// the walk goes on; the last step asserts none was broken.
const ruleProblems = new Map();
async function checkPage(p) {
  const found = await p.evaluate(() => {
    const out = [];
    const titles = document.querySelectorAll('h1').length;
    if (titles !== 1) out.push(`${titles} <h1> elements`);
    for (const form of document.querySelectorAll('form')) {
      const where = `form action=${form.getAttribute('action')}`;
      if ((form.getAttribute('method') || '').toLowerCase() !== 'post') out.push(`${where}: not post`);
      const csrf = form.querySelector('input[type="hidden"][name="csrf"]');
      if (!csrf || !csrf.value) out.push(`${where}: no csrf field`);
      const buttons = form.querySelectorAll('button[type="submit"]');
      if (buttons.length !== 1) out.push(`${where}: ${buttons.length} submit buttons`);
      for (const field of form.querySelectorAll('input, select, textarea')) {
        if (['hidden', 'submit', 'button'].includes(field.type)) continue;
        const label = field.id && document.querySelector(`label[for="${CSS.escape(field.id)}"]`);
        if (!label) out.push(`${where}: field ${field.name} has no <label for>`);
      }
    }
    return out;
  });
  addProblems(p, found);
}

function addProblems(p, found) {
  if (!found.length) return;
  const known = ruleProblems.get(path(p)) || [];
  ruleProblems.set(path(p), [...new Set([...known, ...found])]);
}

// Checks the page (rules, width on a phone), then screenshots it at 1280×800 and 390×844 (whole page) as NAME-1280.png
// and NAME-390.png.
async function visit(p, name) {
  await checkPage(p);
  await checkMobile(p);
  if (!SHOTS) return;
  shots.add(name);
  await p.screenshot({ path: join(SHOTS, `${name}-1280.png`), fullPage: true });
  await p.setViewportSize(MOBILE);
  await p.screenshot({ path: join(SHOTS, `${name}-390.png`), fullPage: true });
  await p.setViewportSize(VIEWPORT);
}

// Responsive layout: at 390 px nothing makes the page scroll sideways.
async function checkMobile(p) {
  await p.setViewportSize(MOBILE);
  const width = await p.evaluate(() => document.documentElement.scrollWidth);
  await p.setViewportSize(VIEWPORT);
  if (width > MOBILE.width) addProblems(p, [`${width} px wide at ${MOBILE.width} px (scrolls sideways)`]);
}

async function signIn(p, login, password) {
  await goto(p, '/connexion');
  return submit(p, { identifiant: login, mot_de_passe: password });
}

async function signOut(p) {
  const button = p.locator('form[action="/deconnexion"] button[type="submit"]');
  if (await button.count() === 0) await goto(p, '/compte');  // the button is on /compte
  assert.ok(await button.count() > 0, `${path(p)}: no sign-out button (form action=/deconnexion)`);
  await clickAndWait(p, button.first());
  assert.equal(path(p), '/connexion', 'sign-out ends on /connexion');
}

async function assertRefused(p, response) {
  assert.equal(response.status(), 401, `refused sign-in answers 401 (on ${path(p)})`);
  assert.equal(path(p), '/connexion');
  assert.equal(await errorOf(p), REFUSED);
}

function cli(...args) {
  return execFileSync(BIN, ['--config', CONFIG, '--data', DATA, ...args],
                      { encoding: 'utf8', timeout: 60_000 });
}

// The LOCK column of `cartable user list` for `login`: "-", "locked" or "blocked".
function lockState(login) {
  const lines = cli('user', 'list').split('\n');
  const line = lines.find((l) => l.split(/\s+/)[0] === login);
  assert.ok(line, `${login} in cartable user list`);
  const column = lines[0].indexOf('LOCK');  // fixed-width columns
  assert.ok(column > 0, 'a LOCK column');
  return line.slice(column).split(/\s+/)[0];
}

// Fails `count` sign-ins of `login` with distinct wrong passwords (each counts once).
async function failSignIns(p, login, count, tag) {
  for (let i = 1; i <= count; ++i) {
    await assertRefused(p, await signIn(p, login, `faux-${tag}-${i}-${Date.now()}`));
  }
}

// The TOTP code of the secret for time step `step`, computed by oathtool.
function codeAt(step) {
  const args = ['--totp', '-b'];
  if (step !== Math.floor(Date.now() / 1000 / 30)) args.push('-N', `@${step * 30 + 1}`);
  return execFileSync('oathtool', [...args, state.secret], { encoding: 'utf8', timeout: 10_000 }).trim();
}

// A code for a time step the server has not accepted yet (a code is accepted once): the
// current one, else the next (the server accepts one step of drift each way), else wait for
// the step to come.
async function freshCode() {
  assert.ok(state.secret, 'no enrolled secret');
  for (;;) {
    const current = Math.floor(Date.now() / 1000 / 30);
    const step = Math.max(current, state.lastStep + 1);
    if (step <= current + 1) {
      state.lastStep = step;
      return codeAt(step);
    }
    await new Promise((r) => setTimeout(r, (step - 1) * 30_000 - Date.now() + 500));
  }
}

// A wrong code (the right one for now, shifted), which consumes no step.
function wrongCode() {
  const code = codeAt(Math.floor(Date.now() / 1000 / 30));
  return String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
}

// Jean signed in on `p` (with a fresh code when his account has one), on /compte.
async function ensureJean(p = page) {
  await goto(p, '/compte');
  if (path(p) === '/compte' && (await p.locator('body').innerText()).includes(JEAN.login)) return;
  await signIn(p, JEAN.login, state.jeanPassword);
  if (path(p) === '/connexion/code') await submit(p, { code: await freshCode() });
  assert.equal(path(p), '/compte', 'Jean is signed in');
}

function lastMailNumber() {
  const numbers = readdirSync(MAIL_DIR).filter((f) => f.endsWith('.json')).map((f) => parseInt(f));
  return numbers.length ? Math.max(...numbers) : 0;
}

// The link to `linkPath` in the newest mail to `recipient` after mail number `after` (parsed as
// MIME by tests/web/mail_link.py), as a path on the server under test: the mail's links use
// [server] public_url, which the test server does not know (ephemeral port).
function mailedLink(recipient, linkPath, after) {
  const run = spawnSync(PYTHON, [join(HERE, 'mail_link.py'), MAIL_DIR, recipient, linkPath,
                                 '--after', String(after), '--timeout', '45'],
                        { encoding: 'utf8' });
  assert.equal(run.status, 0, `mail to ${recipient}: ${run.stderr}`);
  const mail = JSON.parse(run.stdout);
  assert.ok(mail.subject && mail.subject !== 'None', 'the mail has a subject');
  const url = new URL(mail.link);
  assert.equal(url.pathname, linkPath);
  return { mail, target: url.pathname + url.search };
}

function caldav(login, password, expectRefused = false) {
  const args = [join(HERE, 'caldav_list.py'), BASE, login, password];
  if (expectRefused) args.push('--expect-refused');
  const run = spawnSync(PYTHON, args, { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, `python3-caldav as ${login}: ${run.stdout}${run.stderr}`);
  return run.stdout;
}

// ---- the walk ----
const steps = [];
function step(name, needs, fn) {
  steps.push({ name, needs, fn });
}

step('accueil: the home page links to /connexion', [], async () => {
  await goto(page, '/');
  assert.ok(await page.locator('a[href="/connexion"]').count() > 0, 'no link to /connexion on /');
  await visit(page, 'accueil');
});

step('compte bloqué (1): Paul choisit son mot de passe, puis un premier verrouillage', [], async () => {
  await context.clearCookies();
  await signIn(page, PAUL.login, PAUL.numen);
  assert.equal(path(page), '/compte/mot-de-passe');
  await submit(page, { actuel: PAUL.numen, nouveau: PASSWORDS.paul, confirmation: PASSWORDS.paul });
  assert.equal(path(page), '/compte');
  await signOut(page);
  await failSignIns(page, PAUL.login, THRESHOLD, 'paul1');
  state.paulLockedAt = Date.now();
  assert.equal(lockState(PAUL.login), 'locked', 'a temporary lock first');
});

step('première connexion avec le NUMEN, changement imposé', [], async () => {
  await context.clearCookies();
  const headers = (await goto(page, '/connexion')).headers();
  assert.match(headers['cache-control'] || '', /no-store/, 'pages are not cached');
  assert.equal((headers['x-frame-options'] || '').toUpperCase(), 'DENY', 'pages are not framed');
  assert.ok(headers['content-security-policy'], 'pages have a Content-Security-Policy');
  await visit(page, 'connexion');
  await assertRefused(page, await signIn(page, JEAN.login, 'pas-le-bon-mot'));
  await visit(page, 'connexion-erreur');

  // Until the change the NUMEN opens nothing else: CalDAV gets 401 with where to go.
  const numenBasic = Buffer.from(`${JEAN.login}:${JEAN.numen}`).toString('base64');
  const dav = await fetch(`${BASE}/dav/calendars/${JEAN.login}/`,
                          { method: 'PROPFIND', headers: { Authorization: `Basic ${numenBasic}`, Depth: '0' } });
  assert.equal(dav.status, 401, 'the NUMEN does not open CalDAV');
  assert.match(await dav.text(), /\/connexion/, 'the 401 body says where to go');

  await signIn(page, JEAN.login, JEAN.numen);
  assert.equal(path(page), '/compte/mot-de-passe', 'the NUMEN leads to the forced change');
  const cookies = await context.cookies(BASE);
  const session = cookies.find((c) => c.name === 'cartable_session');
  assert.ok(session, 'the session cookie is set');
  assert.equal(session.httpOnly, true, 'session cookie HttpOnly');
  assert.equal(session.sameSite, 'Lax', 'session cookie SameSite=Lax');
  await visit(page, 'mot-de-passe-premiere-connexion');
  // Until the change, the account pages send back to the change.
  await goto(page, '/compte');
  assert.equal(path(page), '/compte/mot-de-passe', '/compte sends a must-change session back');

  const hasCurrent = await page.locator('form [name="actuel"]').count() > 0;
  const fields = (password) => ({ ...(hasCurrent ? { actuel: JEAN.numen } : {}),
                                   nouveau: password, confirmation: password });
  await submit(page, fields(WEAK));
  assert.equal(path(page), '/compte/mot-de-passe', 'a weak password keeps the form');
  const weak = await errorOf(page);
  assert.match(weak, /mot de passe|trop|faible|facile|deviner/i, 'French reason');
  await visit(page, 'mot-de-passe-refuse');

  const response = await submit(page, fields(PASSWORDS.jean));
  assert.equal(postStatus(response), 303, 'the change answers 303');
  assert.equal(path(page), '/compte');
  await noticeOf(page);
  const body = await page.locator('body').innerText();
  for (const text of [JEAN.name, JEAN.login, JEAN.email]) {
    assert.ok(body.includes(text), `/compte shows ${text}`);
  }
  for (const href of ['/compte/mot-de-passe', '/compte/appareils', '/compte/double-authentification',
                      '/compte/mots-de-passe-applications', '/compte/adresse-secours']) {
    assert.ok(await page.locator(`a[href="${href}"]`).count() > 0, `/compte links to ${href}`);
  }
  await visit(page, 'compte');
});

step('le NUMEN ne marche plus, le nouveau mot de passe si', ['première connexion avec le NUMEN, changement imposé'], async () => {
  await signOut(page);
  await visit(page, 'deconnexion');
  await assertRefused(page, await signIn(page, JEAN.login, JEAN.numen));
  await signIn(page, JEAN.email, state.jeanPassword);  // the e-mail address works as login
  assert.equal(path(page), '/compte');
  await goto(page, '/compte/mot-de-passe');
  await visit(page, 'mot-de-passe');
  await goto(page, '/compte');
  await signOut(page);
});

step('verrouillage puis déverrouillage (cartable user unlock)', ['première connexion avec le NUMEN, changement imposé'], async () => {
  await context.clearCookies();
  for (let i = 1; i <= THRESHOLD; ++i) {
    await assertRefused(page, await signIn(page, JEAN.login, `faux-mot-de-passe-${i}`));
  }
  // The same wrong password again (a phone retrying) would count once: not tested here.
  // Locked: the right password gets the very same answer.
  await assertRefused(page, await signIn(page, JEAN.login, state.jeanPassword));
  assert.equal(lockState(JEAN.login), 'locked', 'cartable user list shows the lock');
  const out = cli('user', 'unlock', JEAN.login);
  console.log(`cartable user unlock: ${out.trim()}`);
  await signIn(page, JEAN.login, state.jeanPassword);
  assert.equal(path(page), '/compte', 'unlocked: the password works again');
  await signOut(page);
});

step('activation sans NUMEN (identifiant, date de naissance, nom)', [], async () => {
  await context.clearCookies();
  // No password before the activation.
  await assertRefused(page, await signIn(page, AMELIE.login, PASSWORDS.amelie));
  await goto(page, '/activation');
  await visit(page, 'activation');
  const fields = (birth) => ({ identifiant: AMELIE.login, date_naissance: birth, nom: AMELIE.nom,
                               nouveau: PASSWORDS.amelie, confirmation: PASSWORDS.amelie });
  await submit(page, fields('03/07/1982'));
  assert.equal(path(page), '/activation', 'a wrong birth date keeps the form');
  await errorOf(page);
  await visit(page, 'activation-erreur');
  const response = await submit(page, fields(AMELIE.birth));
  assert.equal(postStatus(response), 303);
  assert.equal(path(page), '/connexion', 'activation leads to /connexion');
  await noticeOf(page);
  await visit(page, 'activation-reussie');
  await signIn(page, AMELIE.login, PASSWORDS.amelie);
  assert.equal(path(page), '/compte');
  assert.ok((await page.locator('body').innerText()).includes(AMELIE.name), 'shows her name');
  await signOut(page);
});

step('CSRF: un formulaire venu d\'une autre origine est refusé', ['activation sans NUMEN (identifiant, date de naissance, nom)'], async () => {
  // Another origin on the same host (same site: the SameSite=Lax cookie goes with the POST),
  // whose form even carries the right csrf token: only the Origin check can refuse it.
  await context.clearCookies();
  await signIn(page, AMELIE.login, PASSWORDS.amelie);
  assert.equal(path(page), '/compte');
  await goto(page, '/compte/appareils');
  const token = await page.locator('form[action="/compte/appareils/deconnecter-partout"] input[name="csrf"]')
    .getAttribute('value');
  const evil = createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><form method="post" action="${BASE}/compte/appareils/deconnecter-partout">` +
                 `<input type="hidden" name="csrf" value="${token}"><button type="submit">Gagner</button></form>`);
  });
  await new Promise((r) => evil.listen(0, '127.0.0.1', r));
  try {
    await page.goto(`http://127.0.0.1:${evil.address().port}/`);
    const response = await clickAndWait(page, page.locator('button[type="submit"]'));
    assert.equal(response.status(), 403, 'a POST from another origin gets 403');
    const sent = await response.request().allHeaders();
    assert.match(sent.cookie || '', /cartable_session=/, 'the browser did send the session cookie');
    assert.match(sent.origin || '', /^http:\/\/127\.0\.0\.1:/, 'with the other origin');
  } finally {
    evil.close();
  }
  await goto(page, '/compte');
  assert.equal(path(page), '/compte', 'the session is still there');
  await signOut(page);
});

step('identifiant oublié (NUMEN + date de naissance)', [], async () => {
  await context.clearCookies();
  await goto(page, '/identifiant-oublie');
  await visit(page, 'identifiant-oublie');
  await submit(page, { numen: JEAN.numen.toLowerCase(), date_naissance: JEAN.birthIso });
  assert.equal(await textOf(page, '#identifiant-retrouve'), JEAN.login);
  await visit(page, 'identifiant-retrouve');
});

step('double authentification: enrôlement avec oathtool, puis connexion avec le code', ['première connexion avec le NUMEN, changement imposé'], async () => {
  await ensureJean();
  await goto(page, '/compte/double-authentification');
  assert.ok(await page.locator('#qr svg').count() > 0, 'the QR code is an inline SVG in #qr');
  state.secret = (await textOf(page, '#secret')).replace(/[\s-]/g, '');
  assert.match(state.secret, /^[A-Z2-7]{16,}$/, 'base32 secret');
  assert.ok(await page.locator('input[type="hidden"][name="secret_scelle"]').count() > 0,
            'the sealed secret travels in the form');
  await visit(page, 'double-authentification');
  const code = await freshCode();
  await submit(page, { code: wrongCode() });
  await errorOf(page);
  await submit(page, { code });
  await assertNoError(page);
  const codes = await page.locator('#codes-secours li').allInnerTexts();
  assert.equal(codes.length, 10, 'ten recovery codes');
  state.recoveryCodes = codes.map((c) => c.trim());
  await visit(page, 'double-authentification-codes');

  await goto(page, '/compte');
  await signOut(page);
  await signIn(page, JEAN.login, state.jeanPassword);
  assert.equal(path(page), '/connexion/code', 'the password alone is not enough now');
  await visit(page, 'connexion-code');
  await submit(page, { code: wrongCode() });
  assert.equal(path(page), '/connexion/code');
  await errorOf(page);
  await visit(page, 'connexion-code-erreur');
  const response = await submit(page, { code: await freshCode() });
  assert.equal(postStatus(response), 303);
  assert.equal(path(page), '/compte', 'password + code: signed in');
});

step('mot de passe d\'application utilisé par python3-caldav', ['double authentification: enrôlement avec oathtool, puis connexion avec le code'], async () => {
  await ensureJean();
  await goto(page, '/compte/mots-de-passe-applications');
  assert.equal(path(page), '/compte/mots-de-passe-applications');
  await visit(page, 'mots-de-passe-applications');
  await submit(page, { nom: APP_NAME });
  await assertNoError(page);
  state.appPassword = await textOf(page, '#nouveau-mot-de-passe');
  assert.match(state.appPassword, /^[a-z2-7]{4}(-[a-z2-7]{4}){3}$/, 'xxxx-xxxx-xxxx-xxxx');
  assert.ok((await page.locator('body').innerText()).includes(APP_NAME), 'listed by name');
  await visit(page, 'mot-de-passe-application-cree');

  console.log(caldav(JEAN.login, state.appPassword).trim());
  // The account now has a one-time code: its password no longer opens CalDAV, and the 401
  // says where to go.
  caldav(JEAN.login, state.jeanPassword, true);
  const basic = Buffer.from(`${JEAN.login}:${state.jeanPassword}`).toString('base64');
  const answer = await fetch(`${BASE}/dav/calendars/${JEAN.login}/`,
                             { method: 'PROPFIND', headers: { Authorization: `Basic ${basic}`, Depth: '0' } });
  assert.equal(answer.status, 401);
  assert.match(await answer.text(), /application/i, 'the 401 body points to app passwords');
});

step('adresse de secours confirmée par le lien reçu par courriel', ['première connexion avec le NUMEN, changement imposé'], async () => {
  await ensureJean();
  await goto(page, '/compte/adresse-secours');
  assert.equal(path(page), '/compte/adresse-secours');
  await visit(page, 'adresse-secours');
  const before = lastMailNumber();
  await submit(page, { adresse: BACKUP });
  assert.match(await noticeOf(page), /lien de confirmation a été envoyé/);
  await visit(page, 'adresse-secours-envoye');
  const { mail, target } = mailedLink(BACKUP, '/compte/adresse-secours/confirmer', before);
  console.log(`mail ${mail.n}: "${mail.subject}" from ${mail.from} to ${mail.to}`);
  await goto(page, target);
  await noticeOf(page);
  await assertNoError(page);
  await visit(page, 'adresse-secours-confirmee');
  await goto(page, '/compte/adresse-secours');
  assert.ok((await page.locator('body').innerText()).includes(BACKUP), 'the page shows the address');
});

step('mot de passe oublié: lien reçu par courriel, nouveau mot de passe', ['adresse de secours confirmée par le lien reçu par courriel'], async () => {
  await context.clearCookies();
  await goto(page, '/mot-de-passe-oublie');
  await visit(page, 'mot-de-passe-oublie');
  const before = lastMailNumber();
  await submit(page, { identifiant: 'personne.inconnue' });
  const unknown = await noticeOf(page);
  await submit(page, { identifiant: JEAN.login });
  assert.equal(await noticeOf(page), unknown, 'the same answer whether or not the account exists');
  await visit(page, 'mot-de-passe-oublie-envoye');
  const { mail, target } = mailedLink(BACKUP, '/reinitialisation', before);
  console.log(`mail ${mail.n}: "${mail.subject}" from ${mail.from} to ${mail.to}`);
  await goto(page, target);
  assert.equal(path(page), '/reinitialisation');
  assert.ok(await page.locator('input[type="hidden"][name="jeton"]').count() > 0, 'hidden jeton');
  await visit(page, 'reinitialisation');
  const response = await submit(page, { nouveau: PASSWORDS.jeanReset, confirmation: PASSWORDS.jeanReset });
  assert.equal(postStatus(response), 303);
  assert.equal(path(page), '/connexion');
  await noticeOf(page);
  await visit(page, 'reinitialisation-reussie');
  const old = state.jeanPassword;
  state.jeanPassword = PASSWORDS.jeanReset;
  // The link works once.
  await goto(page, target);
  const used = await page.locator('p.erreur').count();
  if (used === 0) {
    await submit(page, { nouveau: 'Autre-Essai-Granit-91', confirmation: 'Autre-Essai-Granit-91' });
    await errorOf(page);
  }
  await visit(page, 'reinitialisation-lien-invalide');
  await assertRefused(page, await signIn(page, JEAN.login, old));
  await signIn(page, JEAN.login, state.jeanPassword);
  if (path(page) === '/connexion/code') await submit(page, { code: await freshCode() });
  assert.equal(path(page), '/compte', 'the new password (and the code) sign in');
});

step('appareils: le mot de passe d\'application avec sa dernière utilisation, puis se déconnecter partout', ['mot de passe d\'application utilisé par python3-caldav'], async () => {
  // A second device: another browser signed in with a recovery code.
  const phone = await newContext({ viewport: MOBILE,
                                   userAgent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)' });
  try {
    const other = await phone.newPage();
    watch(other);
    await signIn(other, JEAN.login, state.jeanPassword);
    assert.equal(path(other), '/connexion/code');
    await submit(other, { code: state.recoveryCodes[0] });
    assert.equal(path(other), '/compte', 'a recovery code signs in');

    await ensureJean();
    await goto(page, '/compte/appareils');
    const row = page.locator('li, tr').filter({ hasText: APP_NAME }).last();
    assert.ok(await row.count() > 0, `${APP_NAME} listed on /compte/appareils`);
    const text = await row.innerText();
    assert.match(text, /127\.0\.0\.1/, 'last use address');
    assert.match(text, /\d{1,2}\/\d{2}\/\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2} (janv|févr|mars|avr|mai|juin|juil|août|sept|oct|nov|déc)/,
                 'last use date');
    assert.ok((await page.locator('body').innerText()).includes('iPhone'), 'the other session is listed');
    await visit(page, 'appareils');

    const form = page.locator('form[action="/compte/appareils/deconnecter-partout"]');
    assert.ok(await form.count() > 0, 'a "se déconnecter partout" form');
    await form.locator('[name="mots_de_passe_applications"]').check();
    await clickAndWait(page, form.locator('button[type="submit"]'));
    assert.equal(path(page), '/connexion', 'signed out here too');
    await goto(other, '/compte');
    assert.equal(path(other), '/connexion', 'the other device is signed out');
    caldav(JEAN.login, state.appPassword, true);
    // A recovery code works once.
    await signIn(other, JEAN.login, state.jeanPassword);
    assert.equal(path(other), '/connexion/code');
    await submit(other, { code: state.recoveryCodes[0] });
    assert.equal(path(other), '/connexion/code', 'a used recovery code is refused');
    await errorOf(other);
    await submit(other, { code: state.recoveryCodes[1] });
    assert.equal(path(other), '/compte', 'another recovery code signs in');
  } finally {
    await phone.close();
  }
});

step('compte bloqué (2): second verrouillage, puis vérification d\'identité', ['compte bloqué (1): Paul choisit son mot de passe, puis un premier verrouillage'], async () => {
  // The first lock must be over for new failures to count (lockout_minutes).
  const wait = state.paulLockedAt + LOCK_MINUTES * 60_000 + 2_000 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  await context.clearCookies();
  await failSignIns(page, PAUL.login, THRESHOLD, 'paul2');
  assert.equal(lockState(PAUL.login), 'blocked', 'past lockout_max_temporary locks: blocked');
  await assertRefused(page, await signIn(page, PAUL.login, PASSWORDS.paul));

  await goto(page, '/compte-bloque');
  await visit(page, 'compte-bloque');
  const fields = (nom) => ({ numen: PAUL.numen, date_naissance: PAUL.birth, nom,
                             nouveau: PASSWORDS.paulUnblocked, confirmation: PASSWORDS.paulUnblocked });
  await submit(page, fields('Dupont'));
  assert.equal(path(page), '/compte-bloque', 'a wrong name keeps the form');
  await errorOf(page);
  await visit(page, 'compte-bloque-erreur');
  const response = await submit(page, fields(PAUL.nom));
  assert.equal(postStatus(response), 303);
  assert.equal(path(page), '/connexion');
  await noticeOf(page);
  await visit(page, 'compte-bloque-reussi');
  assert.equal(lockState(PAUL.login), '-', 'the identity check unblocks');
  await signIn(page, PAUL.login, PASSWORDS.paulUnblocked);
  assert.equal(path(page), '/compte', 'the new password signs in');
  await signOut(page);
});

step('journal d\'audit: les événements, jamais un secret', [], async () => {
  const audit = cli('audit');
  for (const event of ['sign-in', 'sign-in-failed', 'password-changed', 'locked', 'unlocked',
                       'blocked', 'activated', 'otp-enrolled', 'app-password-added',
                       'backup-email-confirmed', 'password-reset']) {
    assert.match(audit, new RegExp(`\\b${event}\\b`), `cartable audit shows ${event}`);
  }
  const secrets = [JEAN.numen, PAUL.numen, ...Object.values(PASSWORDS), state.appPassword,
                   state.appPassword.replace(/-/g, ''), state.secret, ...state.recoveryCodes,
                   JEAN.birth, JEAN.birthIso, PAUL.birth]
    .filter((x) => x && x.length >= 6);
  for (const secret of secrets) assert.ok(!audit.includes(secret), `the audit log holds ${secret}`);
});

step('compte bloqué: le formulaire', [], async () => {
  await context.clearCookies();
  await goto(page, '/compte-bloque');
  if (shots.has('compte-bloque')) return;
  for (const name of ['numen', 'date_naissance', 'nom', 'nouveau', 'confirmation']) {
    assert.ok(await page.locator(`form [name="${name}"]`).count() > 0, `field ${name}`);
  }
  await visit(page, 'compte-bloque');
});

test('parcours des pages du compte dans chromium', { timeout: 900_000 }, async (t) => {
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
                                    headless: true });
  try {
    // A desktop browser's User-Agent (the devices page shows it), without "HeadlessChrome".
    const probe = await browser.newPage();
    const userAgent = (await probe.evaluate(() => navigator.userAgent)).replace('HeadlessChrome', 'Chrome');
    await probe.close();
    context = await newContext({ userAgent });
    page = await context.newPage();
    watch(page);
    for (const s of steps) {
      const missing = s.needs.filter((n) => failed.has(n));
      if (missing.length) {
        failed.add(s.name);
        await t.test(s.name, { skip: `needs: ${missing.join('; ')}` }, () => {});
        continue;
      }
      await t.test(s.name, { timeout: 240_000 }, async () => {
        problems = [];
        try {
          await s.fn();
          assert.deepEqual(problems, [], 'no page error or CSP violation');
        } catch (e) {
          failed.add(s.name);
          if (ARTIFACTS) {
            mkdirSync(ARTIFACTS, { recursive: true });
            const base = join(ARTIFACTS, s.name.replace(/[^a-z0-9]+/gi, '_').slice(0, 60));
            await page.screenshot({ path: `${base}.png`, fullPage: true }).catch(() => {});
            writeFileSync(`${base}.html`, `<!-- ${page.url()} -->\n` + await page.content().catch(() => ''));
          }
          throw e;
        }
      });
    }
  } finally {
    await browser.close();
  }
  await t.test('règles des pages (un <h1>, formulaires POST avec csrf, <label for>, un bouton, pas de défilement horizontal à 390 px)', () => {
    assert.deepEqual(Object.fromEntries(ruleProblems), {});
  });
  if (SHOTS) console.log(`screenshots: ${[...shots].sort().join(' ')}`);
  assert.deepEqual([...failed], [], 'every step passed');
});
