import { html } from '../html/escape.js';
import { csrfField } from '../html/parts.js';
import { field, type PageContext, type PageResult, type Route } from '../web/types.js';

/** Failed sign-ins allowed per e-mail per window before the form refuses (kept in the tokenkit store). */
const SIGNIN_LIMIT = 10;
const SIGNIN_WINDOW_MS = 15 * 60 * 1000;

/** Fixed notices selectable by query parameter (never reflect arbitrary text). */
const NOTICES: Record<string, string> = {
  reset: 'Your password was changed. Sign in with the new one.',
  invite: 'Sign in to accept your invitation — or go back and create an account.',
};

/** Only same-site relative paths: an open redirect would turn sign-in into a phishing helper. */
export function safeNext(next: string | null | undefined): string {
  return next?.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/keys';
}

function signInPage(ctx: PageContext, email: string, error: string | null, status = 200): PageResult {
  const next = safeNext(ctx.req.query.get('next') ?? (ctx.req.form['next'] as string | undefined));
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
      const throttleKey = email.toLowerCase();
      const { store } = ctx.app;
      const seen = await store.hit('app:signin', throttleKey, SIGNIN_WINDOW_MS, 0);
      if (seen.count >= SIGNIN_LIMIT) {
        const minutes = Math.ceil(seen.resetMs / 60_000);
        return signInPage(ctx, email, `Too many failed attempts. Try again in ${minutes} min or reset your password.`, 429);
      }
      const user = await ctx.app.users.authenticate(email, password);
      if (!user) {
        await store.hit('app:signin', throttleKey, SIGNIN_WINDOW_MS, 1);
        return signInPage(ctx, email, 'Wrong e-mail or password.', 401);
      }
      ctx.signIn(user);
      ctx.flash('ok', `Signed in as ${user.email}.`);
      return { redirect: safeNext(field(ctx.req.form, 'next')) };
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
