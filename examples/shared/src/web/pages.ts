import { adminRoutes } from '../pages/admin.js';
import { authRoutes } from '../pages/auth.js';
import { homeRoutes } from '../pages/home.js';
import { invitationRoutes } from '../pages/invitation.js';
import { keyRoutes } from '../pages/keys.js';
import { outboxRoutes } from '../pages/outbox.js';
import { resetRoutes } from '../pages/reset.js';
import type { Route } from './types.js';

/** Every HTML page of the example, for the Express and Koa glue to mount. */
export function pageRoutes(options: { devOutbox: boolean }): Route[] {
  return [
    ...homeRoutes,
    ...authRoutes,
    ...resetRoutes,
    ...invitationRoutes,
    ...keyRoutes,
    ...adminRoutes,
    ...(options.devOutbox ? outboxRoutes : []),
  ];
}
