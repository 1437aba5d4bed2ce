/**
 * Compile-time checks (run by `tsc -p tsconfig.json --noEmit`, i.e. `pnpm lint`):
 * the adapters' declaration merging types `req.apiKey` / `ctx.state.apiKey`
 * as `ApiKey | undefined` — not `any`, not missing.
 */
import type { ApiKey, ApiKeys, Invitations, ResetTokens } from '@tokenkit/core';
import * as tkExpress from '@tokenkit/express';
import * as tkKoa from '@tokenkit/koa';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

// The frameworks' own request types, as the adapters' signatures name them.
type ExpressRequest = Parameters<ReturnType<typeof tkExpress.apiKeyAuth>>[0];
type KoaContext = Parameters<ReturnType<typeof tkKoa.apiKeyAuth>>[0];

/** Express: `req.apiKey` after `apiKeyAuth`. */
export function expressOwner(req: ExpressRequest): string | undefined {
  const exact: Equals<typeof req.apiKey, ApiKey | undefined> = true;
  // @ts-expect-error -- ApiKey | undefined is not a number (this line errors only if apiKey were `any`)
  const notAny: number = req.apiKey;
  void exact;
  void notAny;
  return req.apiKey?.ownerId;
}

/** Koa: `ctx.state.apiKey` after `apiKeyAuth`. */
export function koaOwner(ctx: KoaContext): string | undefined {
  const exact: Equals<typeof ctx.state.apiKey, ApiKey | undefined> = true;
  // @ts-expect-error -- ApiKey | undefined is not a number (this line errors only if apiKey were `any`)
  const notAny: number = ctx.state.apiKey;
  void exact;
  void notAny;
  return ctx.state.apiKey?.scopes.join(' ');
}

/** The route factories accept every documented option and hand callbacks the native request. */
export function mount(apiKeys: ApiKeys, resets: ResetTokens, invites: Invitations): unknown[] {
  interface User {
    id: string;
    email: string;
    name: string;
  }
  const findUserByEmail = async (email: string): Promise<User | null> => ({ id: 'u1', email, name: 'Ann' });
  const shared = {
    resets,
    baseUrl: 'https://app.example.com/auth/reset',
    formPath: '/reset-password',
    findUserByEmail,
    // `user` is the app's own type, inferred from findUserByEmail.
    sendResetEmail: ({ user, url }: { user: User; url: string }) => void `${user.name} ${url}`,
    setPassword: async (_userId: string, _password: string) => {},
  };
  return [
    tkExpress.apiKeyAuth({ apiKeys, scopes: ['read'], from: ['authorization', 'cookie:api_key'], optional: true }),
    tkExpress.resetRoutes(shared),
    tkExpress.invitationRoutes({
      invites,
      getUser: (req) => (req.headers['x-user'] ? { id: String(req.headers['x-user']) } : null),
      onAccepted: ({ user, role }, req) => void `${user.id} ${role} ${req.method}`,
    }),
    tkKoa.apiKeyAuth({ apiKeys, throttle: { limit: 10, window: '1m' } }),
    tkKoa.resetRoutes({ ...shared, base: '/auth/reset' }),
    tkKoa.invitationRoutes({ invites, base: '/invitations', getUser: (ctx) => (ctx.get('x-user') ? { id: ctx.get('x-user') } : null) }),
  ];
}
