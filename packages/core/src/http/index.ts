/**
 * @tokenkit/core/http — framework-neutral HTTP flows: the API-key guard, the
 * password-reset routes and the invitation routes, plus the conventions they
 * share (problem+json, cookies, throttling, body parsing, origin checks).
 * `@tokenkit/express` and `@tokenkit/koa` only translate requests and
 * responses to and from these types; an adapter for another framework starts
 * here. Explicit re-exports only: this list is the entry's public API.
 */
export type { HttpRequest, HttpResponse, HttpHandler, ErrorReporter, Rejection } from './types.js';
export { isThenable } from '../maybe-promise.js';
export type { MaybePromise } from '../maybe-promise.js';
export { createApiKeyAuthFlow, DEFAULT_AUTH_THROTTLE } from './api-key-auth/index.js';
export type { ApiKeyAuthOptions, ApiKeyAuthOutcome } from './api-key-auth/index.js';
export { createResetFlow, RESET_REQUEST_ACCEPTED, DEFAULT_RESET_MIN_DURATION } from './reset-routes/index.js';
export type { ResetRoutesOptions, ResetUser, ResetEmail, PasswordVerdict } from './reset-routes/index.js';
export { createInvitationFlow, INVITATION_FAILURE_STATUS, DEFAULT_INVITATION_IP_LIMIT } from './invitation-routes/index.js';
export type {
  InvitationRoutesOptions,
  InvitationUser,
  AcceptedInvitation,
  PublicInvitation,
} from './invitation-routes/index.js';
export { compileSources, describeSources, challengeScheme } from './credential-source/index.js';
export type { CredentialSource, CredentialExtractor, CredentialReader } from './credential-source/index.js';
export { rateLimitHeaders, rateLimitPolicy, rateLimitState } from './rate-limit-headers/index.js';
export { WindowThrottle } from './throttle/index.js';
export { FailureGate, FREE_IN_FLIGHT, PROVEN_IN_FLIGHT } from './throttle/failure-gate.js';
export { OriginCheck } from './origin/index.js';
export type { RequestSource } from './origin/index.js';
export type { GateDecision, GateOutcome } from './throttle/failure-gate.js';
export type { ThrottleOptions, ThrottleHit } from './throttle/index.js';
export { TokenCookie } from './cookies/index.js';
export type { TokenCookieOptions } from './cookies/index.js';
export { readBody, stringField, DEFAULT_BODY_LIMIT } from './body/index.js';
export type { BodyFields, BodyResult } from './body/index.js';
export {
  problem,
  json,
  seeOther,
  retryAfter,
  storeUnavailable,
  rejectionOf,
  PROBLEM_CONTENT_TYPE,
  TOKEN_HEADERS,
} from './response/index.js';
export type { ProblemDetails, ProblemOptions } from './response/index.js';
export { normalizeBase, routeBase, stripBase, singleSegment, wantsHtml } from './routing/index.js';
export { optionalFunction, reportToConsole } from './options/index.js';
