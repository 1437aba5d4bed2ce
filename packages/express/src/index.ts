/**
 * @tokenkit/express — tokenkit's API-key guard, password-reset routes and
 * invitation routes for Express 4 and 5. A thin adapter: every decision is
 * made by `@tokenkit/core`'s HTTP flows.
 */
import './augment.js';

export { apiKeyAuth } from './api-key-auth/index.js';
export type { ApiKeyAuthOptions, ExpressRejectHandler } from './api-key-auth/index.js';
export type { Rejection, CredentialReader } from '@tokenkit/core/http';
export { resetRoutes } from './reset-routes/index.js';
export type { ResetEmail, ResetRoutesOptions, ResetUser } from './reset-routes/index.js';
export { invitationRoutes } from './invitation-routes/index.js';
export type { AcceptedInvitation, ExpressInvitationRoutesOptions, InvitationUser } from './invitation-routes/index.js';
