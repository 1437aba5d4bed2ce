/**
 * Browser end-to-end: the Express example in headless Chromium, driven like
 * a person would — the three tokenkit flows through the real pages.
 */
import type { StartedExample } from '../../examples/shared/src/index.js';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, screenshot, submit, text } from './helpers/browser.js';
import { DEMO_PASSWORD, eventually, startApp } from './helpers/start.js';

let app: StartedExample;
let browser: Browser;

beforeAll(async () => {
  [app, browser] = await Promise.all([startApp('express'), launchBrowser()]);
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: app.url });
  return context.newPage();
}

async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto('/signin');
  await page.fill('#email', email);
  await page.fill('#password', password);
  await submit(page, 'button:has-text("Sign in")');
}

describe('Express example in Chromium', () => {
  it('resets a forgotten password through the outbox link, once', async () => {
    const page = await newPage();
    const email = 'alice@example.com';
    const newPassword = 'a-brand-new-password-42';

    await page.goto('/forgot');
    await page.fill('#email', email);
    await submit(page, 'button:has-text("Send reset link")');
    expect(await text(page.locator('h1'))).toBe('Check your e-mail');

    // The e-mail is sent off the response path: wait for it, then use the outbox page like a person.
    await eventually(() => app.example.outbox.list().find((m) => m.to === email), 'the reset e-mail');
    await page.click('a:has-text("dev outbox")');
    const mail = page.locator('article.mail').filter({ hasText: 'Reset your password' }).first();
    const link = await mail.locator('a:has-text("Open link")').getAttribute('href');
    expect(link).toMatch(/\/auth\/reset\/rst_/);
    await screenshot(page, 'express-outbox');

    await submit(page, mail.locator('a:has-text("Open link")'));
    // The token moved into a cookie: the address bar (history, Referer) no longer holds it.
    expect(page.url()).toBe(`${app.url}/password/reset`);
    expect(page.url()).not.toContain('rst_');

    await screenshot(page, 'express-set-new-password');
    await page.fill('#password', newPassword);
    await page.fill('#confirm', newPassword);
    await submit(page, 'button:has-text("Save new password")');
    expect(await text(page.locator('.flash.info'))).toContain('Your password was changed');

    // The new password works…
    await signIn(page, email, newPassword);
    expect(new URL(page.url()).pathname).toBe('/keys');
    expect(await text(page.locator('header .who'))).toContain(email);
    await submit(page, 'button:has-text("Sign out")');

    // …the old one does not.
    await page.fill('#email', email);
    await page.fill('#password', DEMO_PASSWORD);
    await page.click('button:has-text("Sign in")');
    expect(await text(page.locator('.flash.error'))).toBe('Wrong e-mail or password.');
    expect(new URL(page.url()).pathname).toBe('/signin');

    // The same link again: a clear "expired or used" page, not an error dump.
    await page.goto(link!);
    expect(new URL(page.url()).pathname).toBe('/password/reset');
    expect(await text(page.locator('h1'))).toBe('This link has expired or was already used');
    expect(await page.locator('a:has-text("Request a new link")').isVisible()).toBe(true);
    await screenshot(page, 'express-reset-link-used');
    await page.context().close();
  });

  it('lets an admin invite someone who signs up and gets the role', async () => {
    const admin = await newPage();
    await signIn(admin, 'admin@example.com', DEMO_PASSWORD);
    await admin.goto('/admin/invitations');
    await admin.selectOption('#role', 'editor');
    await admin.fill('#maxUses', '1');
    await admin.fill('#email', 'bob@example.com');
    await submit(admin, 'button:has-text("Create invitation")');
    const link = (await admin.locator('[data-secret]').textContent())!.trim();
    expect(link).toMatch(new RegExp(`^${app.url}/invitations/inv_`));
    expect(await text(admin.locator('[data-status]').first())).toBe('active');

    // A second, separate browser context: the invited person.
    // Bob clicks the link in his webmail, i.e. on another site: browsers then withhold
    // SameSite=Strict cookies, and the app must still carry the invitation through.
    const bob = await newPage();
    await bob.goto(app.url.replace('localhost', '127.0.0.1'));
    await Promise.all([bob.waitForURL(`${app.url}/invitations`), bob.evaluate(`location.assign(${JSON.stringify(link)})`)]);
    await bob.waitForLoadState('load');
    expect(await text(bob.locator('h1'))).toBe("You're invited");
    expect(await text(bob.locator('[data-role]'))).toBe('editor');
    expect(await bob.locator('#email').inputValue()).toBe('bob@example.com');
    await screenshot(bob, 'express-invitation-accept-page');
    await bob.fill('#name', 'Bob');
    await bob.fill('#password', 'bobs-password-123');
    // Creating the account redeems the invitation in the same step.
    await submit(bob, 'button:has-text("Create account")');
    expect(await text(bob.locator('.flash.ok'))).toContain('Account created and invitation accepted');
    expect(await text(bob.locator('h1'))).toBe('Welcome aboard, Bob!');
    expect(await text(bob.locator('main [data-role]'))).toBe('editor');
    expect(await text(bob.locator('header .who'))).toContain('editor');
    expect(app.example.users.findByEmail('bob@example.com')?.role).toBe('editor');
    await screenshot(bob, 'express-invitation-accepted');

    // The single-use invitation is now used up, as the admin sees it.
    await admin.reload();
    expect(await text(admin.locator('[data-status]').first())).toBe('exhausted');
    await screenshot(admin, 'express-admin-invitations');
    await admin.context().close();
    await bob.context().close();
  });

  it('creates an API key, which works until it is revoked in the page', async () => {
    const page = await newPage();
    await signIn(page, 'admin@example.com', DEMO_PASSWORD);
    await page.goto('/keys');
    await page.fill('#name', 'e2e script');
    await page.check('input[name="scope_write"]');
    await submit(page, 'button:has-text("Create key")');
    const key = (await page.locator('[data-secret]').textContent())!.trim();
    expect(key).toMatch(/^sk_[0-9A-Za-z]{48}$/);
    // Shown once: a reload no longer has it.
    await page.reload();
    expect(await page.locator('[data-secret]').count()).toBe(0);
    const row = page.locator(`tr[data-key-id="${key.slice(3, 13)}"]`);
    expect(await text(row.locator('[data-last-used]'))).toBe('never');

    const me = () => fetch(`${app.url}/api/me`, { headers: { authorization: `Bearer ${key}` } });
    const ok = await me();
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ user: { email: 'admin@example.com' }, key: { name: 'e2e script', scopes: ['read', 'write'] } });
    const note = await fetch(`${app.url}/api/notes`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'from the e2e test' }),
    });
    expect(note.status).toBe(201);

    await page.reload();
    expect(await text(row.locator('[data-last-used]'))).toBe('just now');
    await submit(page, row.locator('button:has-text("Revoke")'));
    expect(await text(row.locator('[data-status]'))).toBe('revoked');
    expect(await text(page.locator('.flash.ok'))).toContain('Revoked');

    const revoked = await me();
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get('www-authenticate')).toContain('error="invalid_token"');
    await screenshot(page, 'express-api-key-revoked');
    await page.context().close();
  });

  it('fits a 390 px phone screen: the invitations and keys tables do not overflow', async () => {
    const context = await browser.newContext({ baseURL: app.url, viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await signIn(page, 'admin@example.com', DEMO_PASSWORD);
    // At least one row with every column filled in.
    await page.goto('/admin/invitations');
    await page.fill('#email', 'a-rather-long-address-for-a-phone@example.com');
    await submit(page, 'button:has-text("Create invitation")');
    // How far the page scrolls sideways (a string: the test's tsconfig has no DOM types).
    const overflow = () => page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'express-admin-invitations-390px');
    await page.goto('/keys');
    await page.fill('#name', 'phone');
    await submit(page, 'button:has-text("Create key")');
    expect(await overflow()).toBeLessThanOrEqual(0);
    await screenshot(page, 'express-keys-390px');
    await context.close();
  });

  it('works without JavaScript: forgot password is a plain form with a page as the answer', async () => {
    const context = await browser.newContext({ baseURL: app.url, javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto('/forgot');
    await page.fill('#email', 'admin@example.com');
    await submit(page, 'button:has-text("Send reset link")');
    expect(new URL(page.url()).pathname).toBe('/forgot/sent');
    expect(await text(page.locator('h1'))).toBe('Check your e-mail');
    await context.close();
  });
});
