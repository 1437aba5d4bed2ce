import type { Invitation, InvitationFailureCode } from '@tokenkit/core';
import { parse, serialize } from 'cookie';
import { type Example, INVITE_COOKIE, PATHS } from '../example.js';
import { grantInvitedRole } from '../hooks.js';
import { html } from '../html/escape.js';
import { formatTime, relativeTime } from '../html/format.js';
import { badge, csrfField } from '../html/parts.js';
import { normalizeEmail, passwordProblem, type User } from '../users.js';
import { field, type PageContext, type PageResult, type Route } from '../web/types.js';

/**
 * The pages around `invitationRoutes`: the accept page (its `acceptPath`), the
 * sign-up for invited visitors, and the welcome page. Both forms post to the
 * accept page itself (the invitation cookie's Path) as plain HTML forms and
 * redeem there; `${PATHS.inviteBase}/accept` stays the JSON endpoint for scripts.
 */

const INVALID_TEXT: Record<string, string> = {
  EXPIRED: 'It has expired.',
  EXHAUSTED: 'It has already been used up.',
  REVOKED: 'It was withdrawn by an admin.',
};

/** Why a redeem failed, for a signed-in user who can do something about it. */
const REDEEM_TEXT: Partial<Record<InvitationFailureCode, string>> = {
  ALREADY_REDEEMED: 'You have already accepted this invitation.',
  EMAIL_MISMATCH: 'This invitation is for another e-mail address: sign in with that account.',
};

/** Ends the pending invitation in the browser (the cookie invitationRoutes set when the link was opened). */
function clearInviteCookie(app: Example): string {
  return serialize(INVITE_COOKIE, '', { httpOnly: true, sameSite: 'strict', secure: app.baseUrl.startsWith('https:'), path: PATHS.inviteBase, maxAge: 0 });
}

function invitationCode(ctx: PageContext): string | undefined {
  return ctx.req.cookieHeader ? parse(ctx.req.cookieHeader)[INVITE_COOKIE] : undefined;
}

function invalidPage(code?: string, cookies: string[] = []): PageResult {
  return {
    title: 'Invitation not valid',
    status: 410,
    narrow: true,
    cookies,
    body: html`<div class="card" data-page="invitation-invalid">
  <h1>This invitation is no longer valid</h1>
  <p>${(code && INVALID_TEXT[code]) ?? 'It may have expired, been used up or withdrawn.'} Ask whoever invited you for a new link.</p>
  <div class="actions"><a class="button" href="/">Go to the start page</a></div>
</div>`,
  };
}

/** The code in the invitation cookie (set by invitationRoutes when the link was opened), if still valid. */
async function pendingInvitation(ctx: PageContext): Promise<{ invitation: Invitation } | { code?: string } | null> {
  const code = invitationCode(ctx);
  if (!code) return null;
  const result = await ctx.app.invites.check(code);
  return result.valid ? { invitation: result.invitation } : { code: result.code };
}

function details(ctx: PageContext, invitation: Invitation) {
  const inviter = ctx.app.users.get(invitation.createdBy);
  return html`<table>
  <tr><th>Role</th><td data-role>${badge(invitation.role)}</td></tr>
  <tr><th>Invited by</th><td>${inviter ? `${inviter.name} (${inviter.email})` : 'an admin'}</td></tr>
  ${invitation.email && html`<tr><th>For</th><td>${invitation.email}</td></tr>`}
  <tr><th>Expires</th><td title="${formatTime(invitation.expiresAt)}">${relativeTime(invitation.expiresAt)}</td></tr>
</table>`;
}

function signUpForm(ctx: PageContext, invitation: Invitation, error: string | null, values: { name: string; email: string }) {
  const email = invitation.email ?? values.email;
  // Posts to the accept page's own path: the invitation cookie (Path = that mount path) must come along.
  return html`<form class="card" method="post" action="${PATHS.acceptPage}">
  <h2>New here? Create your account</h2>
  ${error && html`<div class="flash error" role="alert">${error}</div>`}
  ${csrfField(ctx.csrf)}
  <label for="name">Your name</label>
  <input id="name" name="name" type="text" maxlength="80" required value="${values.name}">
  <label for="email">E-mail</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${email}" ${invitation.email ? 'readonly' : ''}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="new-password" minlength="10" required>
  <div class="actions"><button type="submit">Create account</button></div>
</form>`;
}

async function acceptPage(ctx: PageContext, signUpError: string | null = null, values = { name: '', email: '' }): Promise<PageResult> {
  if (ctx.req.query.get('error') === 'invalid_invitation') return invalidPage();
  const pending = await pendingInvitation(ctx);
  if (!pending) {
    return {
      title: 'Accept invitation',
      narrow: true,
      body: html`<div class="card"><h1>No invitation open</h1><p>Open the link from your invitation e-mail (or the one you were sent) to get here.</p></div>`,
    };
  }
  if (!('invitation' in pending)) return invalidPage(pending.code);
  const { invitation } = pending;
  const { user } = ctx;
  const wrongEmail = user && invitation.email !== null && invitation.email !== normalizeEmail(user.email);
  return {
    title: 'Accept invitation',
    status: signUpError ? 400 : 200,
    narrow: true,
    body: html`<h1>You're invited</h1>
<p class="lead">Join the tokenkit example as <strong>${invitation.role}</strong>.</p>
<div class="card">${details(ctx, invitation)}</div>
${
  user
    ? html`<form class="card" method="post" action="${PATHS.acceptPage}">
  ${csrfField(ctx.csrf)}
  ${wrongEmail && html`<div class="flash info">This invitation is for ${invitation.email}; you are signed in as ${user.email}. Sign out and use that account.</div>`}
  <p>Accept as <strong>${user.email}</strong>?</p>
  <div class="actions"><button type="submit">Accept invitation</button></div>
</form>`
    : html`<div class="card"><p>Already have an account? <a class="button" href="/signin?next=${encodeURIComponent(PATHS.acceptPage)}&amp;notice=invite">Sign in to accept</a></p></div>
${signUpForm(ctx, invitation, signUpError, values)}`
}`,
  };
}

export const invitationRoutes: Route[] = [
  { method: 'GET', path: PATHS.acceptPage, access: 'public', handle: (ctx) => acceptPage(ctx) },
  {
    // Plain form POSTs to the accept page: a signed-in user accepts, anyone else signs up
    // (never a second account made from inside a signed-in session).
    method: 'POST',
    path: PATHS.acceptPage,
    access: 'public',
    handle: (ctx) => (ctx.user ? accept(ctx, ctx.user) : signUp(ctx)),
  },
  {
    method: 'GET',
    path: PATHS.welcome,
    access: 'user',
    handle: ({ user }) => ({
      title: 'Welcome',
      narrow: true,
      body: html`<div class="card" data-page="welcome">
  <h1>Welcome aboard, ${user!.name}!</h1>
  <p>You accepted the invitation. Your role is now <span data-role>${badge(user!.role)}</span>.</p>
  <div class="actions"><a class="button" href="/keys">Create an API key</a><a href="/">Start page</a></div>
</div>`,
    }),
  },
];

/** A signed-in user accepts: one atomic redeem, then the role. */
async function accept(ctx: PageContext, user: User): Promise<PageResult> {
  const code = invitationCode(ctx);
  if (!code) return { redirect: PATHS.acceptPage };
  const result = await ctx.app.invites.redeem(code, { userId: user.id, email: user.email });
  if (!result.valid) {
    const text = REDEEM_TEXT[result.code];
    if (!text) return invalidPage(result.code, [clearInviteCookie(ctx.app)]);
    ctx.flash('error', text);
    // A mismatch may be fixed by signing in with the invited account: keep the invitation for that.
    return { redirect: PATHS.acceptPage, cookies: result.code === 'EMAIL_MISMATCH' ? [] : [clearInviteCookie(ctx.app)] };
  }
  grantInvitedRole(ctx.app, user.id, result.invitation.role);
  return { redirect: PATHS.welcome, cookies: [clearInviteCookie(ctx.app)] };
}

/**
 * Sign-up of an invited visitor. The account and the redeem go together: the
 * account is created, the invitation redeemed for it in one atomic store
 * operation, and if that redeem loses (used up meanwhile, a parallel sign-up
 * took the last use, the store is down) the account is deleted again. Only
 * checking the invitation let one single-use link create any number of accounts.
 */
async function signUp(ctx: PageContext): Promise<PageResult> {
  const code = invitationCode(ctx);
  // Sign-up is invitation-only: without a valid pending invitation there is nothing to join.
  const pending = await pendingInvitation(ctx);
  if (!code || !pending) return { redirect: PATHS.acceptPage };
  if (!('invitation' in pending)) return invalidPage(pending.code, [clearInviteCookie(ctx.app)]);
  const { invitation } = pending;
  const values = { name: field(ctx.req.form, 'name', 80).trim(), email: field(ctx.req.form, 'email', 320).trim() };
  const email = invitation.email ?? values.email;
  const password = field(ctx.req.form, 'password', 1000);
  const exists = 'An account with this e-mail exists already: sign in instead.';
  const problem = !/^[^\s@]+@[^\s@]+$/.test(email) ? 'Enter a valid e-mail address.' : ctx.app.users.findByEmail(email) ? exists : passwordProblem(password);
  if (problem) return acceptPage(ctx, problem, values);
  let user: User;
  try {
    user = await ctx.app.users.create({ email, name: values.name || email, password });
  } catch {
    // The same address signed up in parallel.
    return acceptPage(ctx, exists, values);
  }
  let redeemed: Awaited<ReturnType<Example['invites']['redeem']>>;
  try {
    redeemed = await ctx.app.invites.redeem(code, { userId: user.id, email: user.email });
  } catch (error) {
    ctx.app.users.remove(user.id);
    throw error;
  }
  if (!redeemed.valid) {
    ctx.app.users.remove(user.id);
    ctx.app.log(`sign-up of ${user.email} rolled back: invitation ${redeemed.code}`);
    return invalidPage(redeemed.code, [clearInviteCookie(ctx.app)]);
  }
  grantInvitedRole(ctx.app, user.id, redeemed.invitation.role);
  ctx.signIn(ctx.app.users.get(user.id) ?? user);
  ctx.flash('ok', 'Account created and invitation accepted.');
  return { redirect: PATHS.welcome, cookies: [clearInviteCookie(ctx.app)] };
}
