// Shared helpers of the web application's browser tests (issue 13), run by
// scripts/run_webapp.sh (which starts the server and sets the environment below).
//
//   import { test } from 'node:test';
//   import { launch, signIn, checkA11y, shot, open, USERS, BASE } from './harness.mjs';
//   test('agenda: week view', async (t) => {
//     const { page } = await launch(t);          // closed, and checked, when the test ends
//     await signIn(page, USERS[0]);              // or signIn(page, 'jmartin')
//     await open(page, '/agenda');               // goto + waits for the area to be mounted
//     await checkA11y(page, 'agenda semaine');   // fails on serious/critical axe violations
//     await shot(page, 'agenda-semaine');        // agenda-semaine-1280.png, -390.png
//   });
//
// Every page the browser opens is watched: an uncaught page error, a console error or a
// Content-Security-Policy violation fails the test when it ends (launch registers the check
// with t.after). A test that provokes an expected error (a 403 it asserts) allows it with
// app.allow(/regexp/) first.
//
// Environment: CARTABLE_URL (base URL), CARTABLE_USERS (JSON [{login, password, name, email}]),
// CARTABLE_SHOTS (directory for screenshots, may be empty), CHROMIUM (browser binary),
// CARTABLE_BIN / CARTABLE_CONFIG / CARTABLE_DATA (the server's binary and store, for CLI
// set-up), CARTABLE_MAIL_DIR (what the SMTP sink received).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { AxeBuilder } from '@axe-core/playwright';

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (run scripts/run_webapp.sh)`);
  return value;
}

export const BASE = requiredEnv('CARTABLE_URL').replace(/\/$/, '');
export const USERS = JSON.parse(requiredEnv('CARTABLE_USERS'));
export const SHOTS = process.env.CARTABLE_SHOTS || '';
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
// Generous: Argon2id sign-ins on a busy 2-core machine.
export const TIMEOUT = 60_000;

// The application areas: path → data-app (server/web/app_pages.cc).
export const AREAS = {
  '/agenda': 'agenda',
  '/invitations': 'invitations',
  '/taches': 'taches',
  '/annuaire': 'annuaire',
  '/contacts': 'contacts',
  '/partage': 'partage',
};

// Starts chromium (Debian's, with the flags tests/web/walk.test.mjs uses) and opens a page.
// Returns { browser, context, page, problems, allow(re), newPage(), check(), close() }.
// With `t` (the node:test context), closes the browser and asserts no problem after the test.
// options: { viewport, locale, timezoneId, contextOptions }
export async function launch(t, options = {}) {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
  });
  const context = await browser.newContext({
    viewport: options.viewport ?? DESKTOP,
    locale: options.locale ?? 'fr-FR',
    timezoneId: options.timezoneId ?? 'Europe/Paris',
    ...(options.contextOptions ?? {}),
  });
  context.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const allowed = [];
  const note = (kind, text) => {
    if (!allowed.some((re) => re.test(text))) problems.push(`${kind}: ${text}`);
  };
  // CSP violations as the page sees them (securitypolicyviolation), reported through a binding
  // installed before any script of the page runs.
  await context.exposeBinding('__cartableCspViolation', (_source, v) => {
    note('CSP violation', `${v.directive} blocked ${v.blocked || 'inline'} in ${v.source || v.url}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__cartableCspViolation({
        directive: e.effectiveDirective, blocked: e.blockedURI, url: e.documentURI,
        source: e.sourceFile ? `${e.sourceFile}:${e.lineNumber}` : '',
      });
    });
  });
  const watch = (page) => {
    page.on('pageerror', (e) => note('page error', `${e.message} (${page.url()})`));
    page.on('console', (m) => {
      if (m.type() === 'error') note('console error', `${m.text()} (${page.url()})`);
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  const app = {
    browser, context, page, problems,
    allow(re) { allowed.push(re); },
    async newPage() { return context.newPage(); },
    // Fails (listing them) when anything went wrong in any page so far.
    check() {
      assert.deepEqual(problems, [], `errors in the browser:\n  ${problems.join('\n  ')}`);
    },
    async close() { await browser.close(); },
  };
  if (t) {
    t.after(async () => {
      await app.close();
      app.check();
    });
  }
  return app;
}

// Signs in through /connexion; `user`: an entry of USERS or a login. Ends on the page the
// server sends a signed-in person to (/compte, or `suite`).
export async function signIn(page, user, { suite } = {}) {
  const who = typeof user === 'string' ? USERS.find((u) => u.login === user) : user;
  assert.ok(who, `no test user ${user}`);
  await page.goto(`${BASE}/connexion${suite ? `?suite=${encodeURIComponent(suite)}` : ''}`);
  await page.fill('input[name="identifiant"]', who.login);
  await page.fill('input[name="mot_de_passe"]', who.password);
  await Promise.all([
    page.waitForURL((u) => !u.pathname.startsWith('/connexion'), { timeout: TIMEOUT }),
    page.click('form button[type="submit"]'),
  ]);
  return who;
}

// Opens an application page and waits until its area module has replaced the shell's
// "Chargement…" (or until `waitFor`, a selector, is visible).
export async function open(page, path, { waitFor } = {}) {
  const response = await page.goto(BASE + path);
  assert.equal(response.status(), 200, `${path}: HTTP ${response.status()}`);
  if (waitFor) await page.locator(waitFor).first().waitFor({ state: 'visible' });
  else await page.locator('[data-app] .chargement').waitFor({ state: 'detached' });
  return response;
}

// axe-core (WCAG 2.1 A/AA rules) on the page as it is: fails on serious or critical violations,
// naming each rule, its help text and the elements.
export async function checkA11y(page, label, { include, exclude } = {}) {
  let builder = new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']);
  if (include) builder = builder.include(include);
  if (exclude) builder = builder.exclude(exclude);
  const { violations } = await builder.analyze();
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.slice(0, 5)
    .map((n) => n.target.join(' ')).join(', ')}${v.nodes.length > 5 ? ', …' : ''}`);
  assert.deepEqual(text, [], `accessibility (${label}):\n  ${text.join('\n  ')}`);
  return violations;
}

// Screenshots of the page at 1280×800 and 390×844 (NAME-1280.png, NAME-390.png) into
// CARTABLE_SHOTS when set; the viewport is restored afterwards.
export async function shot(page, name) {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  const before = page.viewportSize();
  for (const [size, suffix] of [[DESKTOP, '1280'], [PHONE, '390']]) {
    await page.setViewportSize(size);
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    await page.screenshot({ path: join(SHOTS, `${name}-${suffix}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

// JSON API as the signed-in page (its cookie and CSRF token): for set-up in tests.
export async function apiCall(page, method, path, body) {
  return page.evaluate(async ({ method, path, body }) => {
    const token = document.querySelector('meta[name="csrf-token"]')?.content ?? '';
    const r = await fetch(path, {
      method,
      headers: { Accept: 'application/json', 'X-CSRF-Token': token,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await r.text();
    let json = null;
    try { json = JSON.parse(text); } catch { json = null; }
    return { status: r.status, json, text };
  }, { method, path, body });
}
