/**
 * @tokenkit/koa — tokenkit's API-key guard, password-reset routes and
 * invitation routes for Koa 2 and 3. A thin adapter: every decision is made
 * by `@tokenkit/core`'s HTTP flows.
 */
import './augment.js';

export type { ApiKeyState } from './augment.js';

export { apiKeyAuth } from './api-key-auth/index.js';
export type { ApiKeyAuthOptions, KoaRejectHandler } from './api-key-auth/index.js';
export type { Rejection, CredentialReader } from '@tokenkit/core/http';
export { resetRoutes } from './reset-routes/index.js';
export type { KoaResetRoutesOptions, ResetEmail, ResetUser } from './reset-routes/index.js';
export { invitationRoutes } from './invitation-routes/index.js';
export type { AcceptedInvitation, InvitationUser, KoaInvitationRoutesOptions } from './invitation-routes/index.js';
