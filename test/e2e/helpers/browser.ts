import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

/** Screenshots of each flow's final page land here (the folder is not committed). */
export const OUTPUT_DIR = fileURLToPath(new URL('../output/', import.meta.url));

/**
 * Headless Debian Chromium. The flags keep it off the network (this machine
 * refuses outside connections) and let it run as root in a container.
 */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(OUTPUT_DIR, { recursive: true });
  const path = `${OUTPUT_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/**
 * Trimmed text of the first match, waiting for it to appear (playwright-core
 * has no web-first assertions; the pages are server-rendered, so waiting for
 * the element is enough).
 */
export async function text(locator: Locator): Promise<string> {
  return ((await locator.first().textContent({ timeout: 5000 })) ?? '').trim();
}

/**
 * Clicks and waits for the navigation it causes (form POST → 303 → page, or
 * /app.js's fetch → location.assign). URL waits cannot do this when the
 * target URL equals the current one.
 */
export async function submit(page: Page, target: string | Locator): Promise<void> {
  const locator = typeof target === 'string' ? page.locator(target) : target;
  await Promise.all([page.waitForNavigation({ waitUntil: 'load' }), locator.click()]);
}
