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

/** The two static files, kept in code so the example has no static-file middleware to configure. */
export const ASSETS: Readonly<Record<string, Asset>> = Object.freeze({
  '/style.css': { contentType: 'text/css; charset=utf-8', body: STYLESHEET },
  '/app.js': { contentType: 'text/javascript; charset=utf-8', body: CLIENT_SCRIPT },
});
