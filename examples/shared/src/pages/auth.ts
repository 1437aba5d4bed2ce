import type { Example } from '../example.js';
import { html } from '../html/escape.js';
import { csrfField } from '../html/parts.js';
import { keyedHash } from '../keyed.js';
import { normalizeEmail } from '../users.js';
import { field, type PageContext, type PageResult, type Route } from '../web/types.js';

/** Sign-in attempts allowed per e-mail per window before the form refuses (kept in the tokenkit store). */
export const SIGNIN_LIMIT = 10;
const SIGNIN_WINDOW_MS = 15 * 60 * 1000;
const DEFAULT_NEXT = '/keys';
/** Browsers drop tabs and newlines from URLs and read `\` as `/`: `/\t/evil.example` ends up as `//evil.example`. */
function hasControlOrBackslash(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c === 0x7f || c === 0x5c) return true;
  }
  return false;
}

/** Fixed notices selectable by query parameter (never reflect arbitrary text). */
const NOTICES: Record<string, string> = {
  reset: 'Your password was changed. Sign in with the new one.',
  invite: 'Sign in to accept your invitation — or go back and create an account.',
};

/**
 * Where to go after signing in: only a path on this origin — an open redirect
 * would turn sign-in into a phishing helper. Instead of guessing how a browser
 * reads the string, it is parsed as the browser would (against our origin) and
 * rebuilt from the parsed parts; anything a browser would clean up first
 * (control characters, backslashes) is refused outright.
 */
export function safeNext(next: unknown, origin: string): string {
  if (typeof next !== 'string' || !next.startsWith('/') || hasControlOrBackslash(next)) return DEFAULT_NEXT;
  let url: URL;
  try {
    url = new URL(next, origin);
  } catch {
    return DEFAULT_NEXT;
  }
  // Dot segments can collapse to `//host` (`/.//evil.example`): that is another origin again.
  if (url.origin !== origin || url.pathname.startsWith('//')) return DEFAULT_NEXT;
  return url.pathname + url.search + url.hash;
}

/**
 * The throttle key of an address: a keyed hash, so no address is written to
 * the store (Redis keys show up in dumps and monitoring), and without the
 * secret nobody can tell which address a key belongs to.
 */
export function signInThrottleKey(app: Example, email: string): string {
  return keyedHash(app.secret, 'signin-email', normalizeEmail(email));
}

function signInPage(ctx: PageContext, email: string, error: string | null, status = 200): PageResult {
  const next = safeNext(ctx.req.query.get('next') ?? ctx.req.form['next'], ctx.app.baseUrl);
  const notice = NOTICES[ctx.req.query.get('notice') ?? ''];
  return {
    title: 'Sign in',
    status,
    narrow: true,
    body: html`<h1>Sign in</h1>
<p class="lead">Use the demo credentials printed when the app started.</p>
${notice && html`<div class="flash info">${notice}</div>`}
${error && html`<div class="flash error" role="alert">${error}</div>`}
<form class="card" method="post" action="/signin">
  ${csrfField(ctx.csrf)}
  <input type="hidden" name="next" value="${next}">
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${email}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <div class="actions"><button type="submit">Sign in</button><a href="/forgot">Forgot your password?</a></div>
</form>`,
  };
}

export const authRoutes: Route[] = [
  {
    method: 'GET',
    path: '/signin',
    access: 'public',
    handle: (ctx) => signInPage(ctx, '', null),
  },
  {
    method: 'POST',
    path: '/signin',
    access: 'public',
    async handle(ctx) {
      const email = field(ctx.req.form, 'email', 320).trim();
      const password = field(ctx.req.form, 'password', 1000);
      // Count first, then check: one atomic increment per attempt. Reading the count and adding
      // a failure afterwards let 40 parallel guesses all pass the read before any was counted.
      const attempt = await ctx.app.store.hit('app:signin', signInThrottleKey(ctx.app, email), SIGNIN_WINDOW_MS, 1);
      if (attempt.count > SIGNIN_LIMIT) {
        const minutes = Math.ceil(attempt.resetMs / 60_000);
        return signInPage(ctx, email, `Too many sign-in attempts. Try again in ${minutes} min or reset your password.`, 429);
      }
      const user = await ctx.app.users.authenticate(email, password);
      if (!user) return signInPage(ctx, email, 'Wrong e-mail or password.', 401);
      ctx.signIn(user);
      ctx.flash('ok', `Signed in as ${user.email}.`);
      return { redirect: safeNext(field(ctx.req.form, 'next'), ctx.app.baseUrl) };
    },
  },
  {
    method: 'POST',
    path: '/signout',
    access: 'public',
    handle(ctx) {
      ctx.signOut();
      ctx.flash('info', 'Signed out.');
      return { redirect: '/signin' };
    },
  },
];
