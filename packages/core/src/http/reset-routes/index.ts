import { hash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseDuration } from '../../duration.js';
import { ConfigError, isStoreUnavailableError } from '../../errors.js';
import { eventSinkOf, storeErrorCode } from '../../events.js';
import { type ResetConfirmation, type ResetTokens, resetConfirmationOf } from '../../reset-tokens/index.js';
import type { Store } from '../../store/types.js';
import { readBody, stringField } from '../body/index.js';
import { TokenCookie } from '../cookies/index.js';
import {
  checkBodyLimit,
  optionalDuration,
  optionalFunction,
  reportToConsole,
  requiredFunction,
  trustedOrigins,
} from '../options/index.js';
import { TOKEN_HEADERS, json, problem, seeOther, storeUnavailable } from '../response/index.js';
import { OriginCheck } from '../origin/index.js';
import { checkRedirectTarget, methodNotAllowed, singleSegment, wantsHtml, withError } from '../routing/index.js';
import { blockedResponse } from '../throttle/blocked.js';
import { WindowThrottle } from '../throttle/index.js';
import type { HttpHandler, HttpRequest, HttpResponse } from '../types.js';
import type { ResetRoutesOptions, ResetUser } from './options.js';

export type { PasswordVerdict, ResetEmail, ResetRoutesOptions, ResetUser } from './options.js';

/** The one body every `POST /request` answer carries, whatever happened behind it. */
export const RESET_REQUEST_ACCEPTED = Object.freeze({
  accepted: true,
  message: 'If an account exists for this address, a password-reset link is on its way.',
});

/** Default minimum duration of a reset-request answer. */
export const DEFAULT_RESET_MIN_DURATION = '250ms';

const MAX_EMAIL = 254;
const MAX_PASSWORD = 1024;
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+$/u;

/**
 * Builds the framework-neutral password-reset routes, relative to their mount:
 *
 * - `POST /request {email}` → always 202 with the same body and headers, for
 *   known, unknown and cooled-down addresses alike. The lookup, issuing and
 *   `sendResetEmail` run off the response path; the answer is padded to
 *   `minDuration` from the request's start. 400 bad body/address, 413, 415,
 *   429 per-IP limit, 503 store down.
 * - `GET|HEAD /:token` → checks, never consumes (mail scanners prefetch
 *   links). Browsers (with `formPath`): cookie + 303 to `formPath` (invalid:
 *   303 to `formPath?error=invalid_link`, cookie cleared). JSON clients:
 *   200 `{ valid: true, expiresAt }` or 410 problem (`MALFORMED`, `NOT_FOUND`,
 *   `EXPIRED`).
 * - `POST /confirm {token?, password}` (token from the body or the cookie) →
 *   (with `validatePassword`: check, then the verdict), atomic consume,
 *   `setPassword`, then revocation of the user's other tokens — the token is
 *   parsed and hashed once, the user's token index read and cleaned once:
 *   200 `{ ok: true }`; 400 bad body / missing token / weak password (cookie
 *   kept); 403 when `Origin` (else `Referer`) is not `baseUrl`'s origin or a
 *   `trustedOrigins` entry, or when neither header came and the token is the
 *   cookie's (see {@link OriginCheck}); 410 used/expired/unknown token (cookie cleared).
 *
 * @param options - see {@link ResetRoutesOptions}
 * @returns a handler; `null` for paths/methods it does not own
 * @throws ConfigError on unusable options
 * @example
 * ```ts
 * const handle = createResetFlow({ resets, findUserByEmail, sendResetEmail, setPassword, baseUrl: 'https://app.example.com/auth/reset' })
 * const response = await handle(request) // null → next()
 * ```
 */
export function createResetFlow<U extends ResetUser>(options: ResetRoutesOptions<U>): HttpHandler {
  const resets: ResetTokens = options?.resets;
  if (!resets || typeof resets.consume !== 'function') {
    throw new ConfigError('resetRoutes: options.resets is required, e.g. { resets: new ResetTokens({ store }) }');
  }
  const findUser = requiredFunction(options.findUserByEmail, 'resetRoutes: findUserByEmail');
  const sendEmail = requiredFunction(options.sendResetEmail, 'resetRoutes: sendResetEmail');
  const setPassword = requiredFunction(options.setPassword, 'resetRoutes: setPassword');
  const validatePassword = optionalFunction(options.validatePassword, 'resetRoutes: validatePassword');
  const onError = optionalFunction(options.onError, 'resetRoutes: onError') ?? reportToConsole;
  const baseUrl = checkBaseUrl(options.baseUrl);
  const cookiePath = new URL(baseUrl).pathname;
  const formPath = options.formPath === undefined ? undefined : checkRedirectTarget(options.formPath, 'resetRoutes: formPath');
  const minDurationMs = parseDuration(options.minDuration ?? DEFAULT_RESET_MIN_DURATION, 'resetRoutes: minDuration');
  const store: Store = options.store ?? resets.store;
  const cooldownMs = optionalDuration(options.emailCooldown, '1m', 'resetRoutes: emailCooldown');
  const ipThrottle =
    options.ipLimit === false
      ? undefined
      : new WindowThrottle(store, 'throttle:reset-ip', options.ipLimit ?? { limit: 20, window: '15m' });
  const cookie = new TokenCookie('tokenkit_reset', '15m', options.cookie);
  const bodyLimit = checkBodyLimit(options.bodyLimit);
  const events = eventSinkOf(resets);
  const standardHeaders = options.standardHeaders !== false;
  const originCheck = new OriginCheck([baseUrl, ...trustedOrigins(options.trustedOrigins, 'resetRoutes')], 'resetRoutes');
  // A confirmation parses the token once and touches the user's index once;
  // a manager from another copy of the package goes through its public methods.
  const onePass = resetConfirmationOf(resets);
  const publicPass: ResetConfirmation<unknown> = {
    present: (token) => token,
    check: (token) => resets.check(token),
    consume: (token) => resets.consume(token),
    revokeRest: (consumed) => resets.revokeAll(consumed.userId),
  };

  return async (request) => {
    const segment = singleSegment(request.path);
    if (segment === null) return null;
    const method = request.method;
    try {
      if (segment === 'request') return method === 'POST' ? await requestReset(request) : other(method, ['POST']);
      if (segment === 'confirm') return method === 'POST' ? await confirm(request) : other(method, ['POST']);
      if (method === 'GET' || method === 'HEAD') return await link(request, segment);
      return other(method, ['GET', 'HEAD']);
    } catch (err) {
      if (!isStoreUnavailableError(err)) throw err;
      const operation = segment === 'request' ? 'reset.request' : segment === 'confirm' ? 'reset.confirm' : 'reset.link';
      events.emit({ type: 'store.unavailable', operation, code: storeErrorCode(err), at: Date.now() });
      return storeUnavailable(err.retryAfterMs, TOKEN_HEADERS);
    }
  };

  async function requestReset(request: HttpRequest): Promise<HttpResponse> {
    const started = performance.now();
    const body = await readBody(request, bodyLimit);
    if (!body.ok) return body.response;
    const raw = stringField(body.fields, 'email');
    if (typeof raw !== 'string') return badRequest('INVALID_BODY', 'email is required and must be a string.');
    const email = raw.trim();
    if (email.length > MAX_EMAIL || !EMAIL.test(email)) return badRequest('INVALID_EMAIL', 'email is not an e-mail address.');
    if (ipThrottle) {
      // Independent of the address, so answering it early reveals nothing about accounts.
      const blocked = ipThrottle.blockedMs(request.ip);
      const retryAfterMs = blocked > 0 ? blocked : (await ipThrottle.hit(request.ip)).retryAfterMs;
      if (retryAfterMs > 0) {
        return blockedResponse({
          events,
          policy: 'reset-ip',
          client: request.ip,
          retryAfterMs,
          quota: standardHeaders ? ipThrottle : undefined,
          code: 'TOO_MANY_REQUESTS',
          detail: 'Too many reset requests from this address.',
          headers: TOKEN_HEADERS,
        });
      }
    }
    // Everything that depends on the address runs after the answer is decided.
    setImmediate(() => {
      deliver(email).catch((err: unknown) => onError(err, { flow: 'reset.request' }));
    });
    const remaining = minDurationMs - (performance.now() - started);
    if (remaining > 0) await sleep(remaining);
    return json(202, RESET_REQUEST_ACCEPTED, TOKEN_HEADERS);
  }

  async function deliver(email: string): Promise<void> {
    if (cooldownMs !== undefined) {
      const window = await store.hit('throttle:reset-email', emailKey(email), cooldownMs, 1);
      if (window.count > 1) return;
    }
    const user = await findUser(email);
    if (!user) return;
    const { token, reset } = await resets.issue(user.id);
    await sendEmail({ user, email, url: `${baseUrl}/${token}`, expiresAt: reset.expiresAt });
  }

  async function link(request: HttpRequest, token: string): Promise<HttpResponse> {
    const result = await resets.check(token);
    const html = formPath !== undefined && wantsHtml(request.headers);
    if (result.valid) {
      const { expiresAt } = result.reset;
      if (html) return seeOther(formPath, TOKEN_HEADERS, [cookie.set(token, cookiePath, Date.now(), expiresAt)]);
      return json(200, { valid: true, expiresAt }, TOKEN_HEADERS);
    }
    if (html) return seeOther(withError(formPath, 'invalid_link'), TOKEN_HEADERS, [cookie.clear(cookiePath)]);
    return gone(result.code);
  }

  async function confirm(request: HttpRequest): Promise<HttpResponse> {
    const source = originCheck.inspect(request.headers);
    if (typeof source !== 'string') return source;
    const body = await readBody(request, bodyLimit);
    if (!body.ok) return body.response;
    const bodyToken = stringField(body.fields, 'token');
    const password = stringField(body.fields, 'password');
    if (bodyToken === null) return badRequest('INVALID_BODY', 'token must be a string.');
    if (typeof password !== 'string' || password.length > MAX_PASSWORD) {
      return badRequest('INVALID_BODY', `password is required: a string of at most ${MAX_PASSWORD} characters.`);
    }
    const token = bodyToken ?? cookie.read(request.headers);
    if (token === undefined) return badRequest('MISSING_TOKEN', 'No reset token in the body or the cookie; open the link again.');
    if (bodyToken === undefined && source === 'unknown') return originCheck.requireBodySecret();
    const pass: ResetConfirmation<unknown> = onePass ?? publicPass;
    const presented = pass.present(token);
    if (presented === null) return gone('MALFORMED');
    if (validatePassword) {
      // Checked (not consumed) first, so a weak password keeps the link usable.
      const checked = await pass.check(presented);
      if (!checked.valid) return gone(checked.code);
      const verdict = await validatePassword(password, { userId: checked.reset.userId });
      if (verdict !== true) {
        return badRequest('WEAK_PASSWORD', typeof verdict === 'string' && verdict !== '' ? verdict : 'The password is too weak.');
      }
    }
    const consumed = await pass.consume(presented);
    if (!consumed.valid) return gone(consumed.code);
    await setPassword(consumed.reset.userId, password);
    try {
      // The consumed record is gone already: only the user's other tokens are left to revoke.
      await pass.revokeRest(consumed.reset);
    } catch (err) {
      // The password is already changed: report, but do not tell the user it failed.
      onError(err, { flow: 'reset.revokeAll' });
    }
    return json(200, { ok: true }, TOKEN_HEADERS, [cookie.clear(cookiePath)]);
  }

  function gone(code: string): HttpResponse {
    return problem({
      status: 410,
      code,
      detail: 'This reset link is invalid, expired or already used; request a new one.',
      headers: TOKEN_HEADERS,
      cookies: [cookie.clear(cookiePath)],
    });
  }
}

/** Answers methods a route does not accept; `OPTIONS` passes on (CORS middleware may own it). */
function other(method: string, allow: readonly string[]): HttpResponse | null {
  return method === 'OPTIONS' ? null : methodNotAllowed(allow, TOKEN_HEADERS);
}

function badRequest(code: string, detail: string): HttpResponse {
  return problem({ status: 400, code, detail, headers: TOKEN_HEADERS });
}

/**
 * The cooldown key of an address: a hash of the normalised address, so no
 * address is ever written to the store.
 */
function emailKey(email: string): string {
  return hash('sha256', `tokenkit:reset-email\u0000${email.toLowerCase()}`, 'base64url');
}

function checkBaseUrl(value: unknown): string {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.search !== '' || url.hash !== '') {
    throw new ConfigError(
      "resetRoutes: baseUrl must be the absolute public URL of the routes, e.g. 'https://app.example.com/auth/reset' (links are never built from the Host header)",
    );
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}
