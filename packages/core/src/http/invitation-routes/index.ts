import { ConfigError, isStoreUnavailableError } from '../../errors.js';
import { eventSinkOf, storeErrorCode, warningEnabled } from '../../events.js';
import { isSubject } from '../../pipeline/validate.js';
import type { Invitation, InvitationFailureCode, Invitations } from '../../invitations/index.js';
import type { ThrottleOptions } from '../throttle/index.js';
import { readBody, stringField } from '../body/index.js';
import { TokenCookie } from '../cookies/index.js';
import { checkBodyLimit, optionalFunction, requiredFunction, trustedOrigins } from '../options/index.js';
import { OriginCheck, originOf } from '../origin/index.js';
import { TOKEN_HEADERS, json, problem, seeOther, storeUnavailable } from '../response/index.js';
import { blockedResponse } from '../throttle/blocked.js';
import { FailureGate } from '../throttle/failure-gate.js';
import { checkRedirectTarget, methodNotAllowed, singleSegment, wantsHtml, withError } from '../routing/index.js';
import type { HttpHandler, HttpRequest, HttpResponse } from '../types.js';
import type { InvitationRoutesOptions, InvitationUser } from './options.js';

export type { AcceptedInvitation, InvitationRoutesOptions, InvitationUser } from './options.js';

/** HTTP status of each invitation failure code. */
export const INVITATION_FAILURE_STATUS: Readonly<Record<InvitationFailureCode, number>> = Object.freeze({
  MALFORMED: 404,
  NOT_FOUND: 404,
  EXPIRED: 410,
  EXHAUSTED: 410,
  REVOKED: 410,
  ALREADY_REDEEMED: 409,
  EMAIL_MISMATCH: 403,
});

const DETAILS: Record<InvitationFailureCode, string> = {
  MALFORMED: 'No such invitation.',
  NOT_FOUND: 'No such invitation.',
  EXPIRED: 'This invitation has expired.',
  EXHAUSTED: 'This invitation has been used up.',
  REVOKED: 'This invitation was withdrawn.',
  ALREADY_REDEEMED: 'You have already accepted this invitation.',
  EMAIL_MISMATCH: 'This invitation is for another e-mail address; sign in with that account.',
};

/** Default per-IP limit on failed invitation checks and accepts. */
export const DEFAULT_INVITATION_IP_LIMIT: ThrottleOptions = Object.freeze({ limit: 20, window: '15m' });

/**
 * Failures that are guesses: the code does not name an invitation (a wrong
 * secret looks the same). Expired, used-up or revoked codes and e-mail
 * mismatches come from real links and are not counted.
 */
const GUESSES: ReadonlySet<InvitationFailureCode> = new Set(['MALFORMED', 'NOT_FOUND']);

/** An invitation as sent to the redeeming user: without `usedBy` (other users' ids). */
export type PublicInvitation = Omit<Invitation, 'usedBy'>;

/**
 * Builds the framework-neutral invitation routes, relative to their mount:
 *
 * - `GET|HEAD /:code` → checks, never redeems. Browsers (with `acceptPath`):
 *   cookie + 303 to `acceptPath` (invalid: 303 to `acceptPath?error=invalid_invitation`).
 *   JSON clients: 200 `{ valid: true, role, expiresAt, emailBound }`, or a problem
 *   with {@link INVITATION_FAILURE_STATUS} (404 unknown, 410 expired/used up/revoked).
 * - `POST /accept {code?}` (code from the body or the cookie) for the user
 *   `getUser` returns → atomic redeem → `onAccepted` → 200 `{ role, invitation }`;
 *   401 not signed in; 400 bad body / no code; 403 e-mail mismatch, or an
 *   `Origin` (else `Referer`) that is not allowed, or neither header with the
 *   code from the cookie (see {@link OriginCheck}); 404; 409 already redeemed
 *   by this user; 410; 429 + `Retry-After` after `ipLimit` unknown or
 *   malformed codes from one IP (checks and accepts, counted before they
 *   run); 503 store down.
 *
 * @param options - see {@link InvitationRoutesOptions}
 * @returns a handler; `null` for paths/methods it does not own
 * @throws ConfigError on unusable options
 * @example
 * ```ts
 * const handle = createInvitationFlow({ invites, getUser: (req) => req.user ?? null, acceptPath: '/join' })
 * ```
 */
export function createInvitationFlow<N, U extends InvitationUser>(options: InvitationRoutesOptions<N, U>): HttpHandler<N> {
  const invites: Invitations = options?.invites;
  if (!invites || typeof invites.redeem !== 'function') {
    throw new ConfigError('invitationRoutes: options.invites is required, e.g. { invites: new Invitations({ store }) }');
  }
  const getUser = requiredFunction(options.getUser, 'invitationRoutes: getUser');
  const onAccepted = optionalFunction(options.onAccepted, 'invitationRoutes: onAccepted');
  const acceptPath =
    options.acceptPath === undefined ? undefined : checkRedirectTarget(options.acceptPath, 'invitationRoutes: acceptPath');
  const cookie = new TokenCookie('tokenkit_invite', '1h', options.cookie);
  const bodyLimit = checkBodyLimit(options.bodyLimit);
  const events = eventSinkOf(invites);
  const warnUnusable = warningEnabled(options.validate, 'TOKENKIT_UNUSABLE_USER');
  const extraOrigins = trustedOrigins(options.trustedOrigins, 'invitationRoutes');
  // Without baseUrl or trustedOrigins, the origin must match the request's own Host (a browser cannot forge either).
  const ipGate =
    options.ipLimit === false
      ? undefined
      : new FailureGate(options.store ?? invites.store, 'throttle:invite-ip', options.ipLimit ?? DEFAULT_INVITATION_IP_LIMIT);
  const standardHeaders = options.standardHeaders !== false;
  const originCheck = new OriginCheck(
    options.baseUrl === undefined && extraOrigins.length === 0
      ? undefined
      : [...(options.baseUrl === undefined ? [] : [originOf(options.baseUrl, 'invitationRoutes: baseUrl')]), ...extraOrigins],
    'invitationRoutes',
  );

  return async (request) => {
    const segment = singleSegment(request.path);
    if (segment === null) return null;
    const method = request.method;
    try {
      if (segment === 'accept') {
        if (method === 'POST') return await accept(request);
        return method === 'OPTIONS' ? null : methodNotAllowed(['POST'], TOKEN_HEADERS);
      }
      if (method === 'GET' || method === 'HEAD') return await show(request, segment);
      return method === 'OPTIONS' ? null : methodNotAllowed(['GET', 'HEAD'], TOKEN_HEADERS);
    } catch (err) {
      if (!isStoreUnavailableError(err)) throw err;
      const operation = segment === 'accept' ? 'invite.accept' : 'invite.link';
      events.emit({ type: 'store.unavailable', operation, code: storeErrorCode(err), at: Date.now() });
      return storeUnavailable(err.retryAfterMs, TOKEN_HEADERS);
    }
  };

  async function show(request: HttpRequest<N>, code: string): Promise<HttpResponse> {
    const checked = await throttled(request, () => invites.check(code));
    if (!('result' in checked)) return blocked(request, checked.retryAfterMs);
    const result = checked.result;
    const html = acceptPath !== undefined && wantsHtml(request.headers);
    const path = request.basePath;
    if (result.valid) {
      const { invitation } = result;
      if (html) return seeOther(acceptPath, TOKEN_HEADERS, [cookie.set(code, path, Date.now(), invitation.expiresAt)]);
      return json(
        200,
        { valid: true, role: invitation.role, expiresAt: invitation.expiresAt, emailBound: invitation.email !== null },
        TOKEN_HEADERS,
      );
    }
    if (html) return seeOther(withError(acceptPath, 'invalid_invitation'), TOKEN_HEADERS, [cookie.clear(path)]);
    return failure(result.code, path);
  }

  async function accept(request: HttpRequest<N>): Promise<HttpResponse> {
    const source = originCheck.inspect(request.headers);
    if (typeof source !== 'string') return source;
    const user = await getUser(request.native);
    if (!user || !isSubject(user.id)) {
      // A user without a usable id cannot redeem anything: answer as signed out (never a 500), and tell the developer once.
      if (user && warnUnusable) warnUnusableUser();
      return problem({ status: 401, code: 'UNAUTHENTICATED', detail: 'Sign in to accept the invitation.', headers: TOKEN_HEADERS });
    }
    const body = await readBody(request, bodyLimit);
    if (!body.ok) return body.response;
    const bodyCode = stringField(body.fields, 'code');
    if (bodyCode === null) return badRequest('INVALID_BODY', 'code must be a string.');
    const code = bodyCode ?? cookie.read(request.headers);
    if (code === undefined) return badRequest('MISSING_CODE', 'No invitation code in the body or the cookie; open the link again.');
    if (bodyCode === undefined && source === 'unknown') return originCheck.requireBodySecret();
    const email = typeof user.email === 'string' ? user.email : undefined;
    const redeemed = await throttled(request, () =>
      invites.redeem(code, email === undefined ? { userId: user.id } : { userId: user.id, email }),
    );
    if (!('result' in redeemed)) return blocked(request, redeemed.retryAfterMs);
    const result = redeemed.result;
    if (!result.valid) return failure(result.code, request.basePath);
    if (onAccepted) await onAccepted({ user, role: result.invitation.role, invitation: result.invitation }, request.native);
    const { usedBy: _others, ...invitation } = result.invitation;
    const publicInvitation: PublicInvitation = invitation;
    return json(200, { role: invitation.role, invitation: publicInvitation }, TOKEN_HEADERS, [cookie.clear(request.basePath)]);
  }

  /** Runs a check or redeem under the per-IP gate: guesses are counted before they run (see {@link FailureGate}). */
  function throttled<R extends { valid: boolean; code?: InvitationFailureCode }>(
    request: HttpRequest<N>,
    verify: () => Promise<R>,
  ): Promise<{ result: R } | { retryAfterMs: number }> {
    if (ipGate === undefined) return verify().then((result) => ({ result }));
    return ipGate.run(request.ip, verify, (result) => !result.valid && result.code !== undefined && GUESSES.has(result.code));
  }

  function blocked(request: HttpRequest<N>, retryAfterMs: number): HttpResponse {
    return blockedResponse({
      events,
      policy: 'invite-ip',
      client: request.ip,
      retryAfterMs,
      quota: standardHeaders ? ipGate?.counter : undefined,
      code: 'TOO_MANY_ATTEMPTS',
      detail: 'Too many unknown invitation codes from this address.',
      headers: TOKEN_HEADERS,
    });
  }

  function failure(code: InvitationFailureCode, path: string): HttpResponse {
    // A mismatch may be fixed by signing in with the invited account: keep the cookie for that.
    const cookies = code === 'EMAIL_MISMATCH' ? [] : [cookie.clear(path)];
    return problem({ status: INVITATION_FAILURE_STATUS[code], code, detail: DETAILS[code], headers: TOKEN_HEADERS, cookies });
  }
}

let warnedUnusableUser = false;

function warnUnusableUser(): void {
  if (warnedUnusableUser) return;
  warnedUnusableUser = true;
  process.emitWarning(
    'invitationRoutes: getUser returned a user whose id is not a non-empty string of at most 256 characters; the ' +
      'request was answered 401 as if signed out. Return null for anonymous requests and { id, email? } with the ' +
      'account id otherwise.',
    { code: 'TOKENKIT_UNUSABLE_USER', type: 'TokenkitWarning' },
  );
}

function badRequest(code: string, detail: string): HttpResponse {
  return problem({ status: 400, code, detail, headers: TOKEN_HEADERS });
}
