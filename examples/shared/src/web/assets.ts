import { CLIENT_SCRIPT } from '../html/client.js';
import { STYLESHEET } from '../html/style.js';

/** Headers for every response: the pages need nothing from other origins, and no inline code. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
});

export interface Asset {
  contentType: string;
  body: string;
}

/** The favicon: a key on the brand colour. SVG, so it is a few bytes of text like the other assets. */
const FAVICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#3056d3"/><circle cx="12" cy="16" r="6" fill="none" stroke="#fff" stroke-width="3"/><path d="M18 16h10M24 16v5M28 16v4" stroke="#fff" stroke-width="3" stroke-linecap="round"/></svg>`;

/** The static files, kept in code so the example has no static-file middleware to configure. */
export const ASSETS: Readonly<Record<string, Asset>> = Object.freeze({
  '/style.css': { contentType: 'text/css; charset=utf-8', body: STYLESHEET },
  '/app.js': { contentType: 'text/javascript; charset=utf-8', body: CLIENT_SCRIPT },
  '/favicon.svg': { contentType: 'image/svg+xml', body: FAVICON },
  // Browsers and tools that ignore <link rel="icon"> still ask for /favicon.ico; modern ones accept SVG there too.
  '/favicon.ico': { contentType: 'image/svg+xml', body: FAVICON },
});
