/**
 * Compile-time checks (run by `pnpm lint`): `onReject` and `from` functions
 * are typed with the framework's own objects — nothing is `any`.
 */
import type { ApiKeys, Invitations, ResetTokens } from '@tokenkit/core';
import type { Rejection } from '@tokenkit/core/http';
import * as tkExpress from '@tokenkit/express';
import * as tkKoa from '@tokenkit/koa';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type ExpressRequest = Parameters<ReturnType<typeof tkExpress.apiKeyAuth>>[0];
type KoaContext = Parameters<ReturnType<typeof tkKoa.apiKeyAuth>>[0];

/** Express: `onReject(rejection, req, res, next)` and `from: [(req) => …]`. */
export function expressOptions(apiKeys: ApiKeys, resets: ResetTokens, invites: Invitations): unknown[] {
  const onReject: tkExpress.ExpressRejectHandler = (rejection, req, res, next) => {
    const exact: Equals<typeof rejection, Rejection> = true;
    // @ts-expect-error -- status is a number (this line errors only if rejection were `any`)
    const notAny: string = rejection.status;
    void exact;
    void notAny;
    if (rejection.status === 503) return next(new Error(rejection.code));
    res.status(rejection.status).set(rejection.headers).json({ error: rejection.code, at: req.originalUrl });
  };
  return [
    tkExpress.apiKeyAuth({
      apiKeys,
      from: [(req) => req.get('x-key'), 'authorization:Token', 'query:key'],
      standardHeaders: false,
      onReject,
    }),
    tkExpress.resetRoutes({
      resets,
      baseUrl: 'https://app.example.com/auth/reset',
      findUserByEmail: async () => null,
      sendResetEmail: async () => {},
      setPassword: async () => {},
      standardHeaders: true,
      onReject,
    }),
    tkExpress.invitationRoutes({ invites, getUser: () => null, validate: { TOKENKIT_UNUSABLE_USER: false }, onReject }),
  ];
}

/** Koa: `onReject(rejection, ctx, next)`, async, and `from: [(ctx) => …]`. */
export function koaOptions(apiKeys: ApiKeys): unknown {
  return tkKoa.apiKeyAuth({
    apiKeys,
    from: [(ctx: KoaContext) => ctx.cookies.get('key')],
    onReject: async (rejection, ctx, next) => {
      if (rejection.code === 'MISSING_CREDENTIAL') return next();
      ctx.throw(rejection.status, rejection.code, { headers: rejection.headers });
    },
  });
}

/** A `from` function of the wrong framework is refused. */
export function wrongNative(apiKeys: ApiKeys): unknown {
  // @ts-expect-error -- Express's req has no `state`
  return tkExpress.apiKeyAuth({ apiKeys, from: [(req: ExpressRequest) => req.state] });
}
