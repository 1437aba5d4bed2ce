/**
 * Compile-time checks (run by `tsc -p tsconfig.json --noEmit`, i.e. `pnpm lint`):
 * an app with its own state type, `new Koa<MyState>()`, is outside the
 * `DefaultState` merge and does not see `ctx.state.apiKey` (TS2339); adding
 * the exported `ApiKeyState` brings it back, typed `ApiKey | undefined`.
 */
import type { ApiKey, ApiKeys } from '@tokenkit/core';
import { type ApiKeyState, apiKeyAuth } from '@tokenkit/koa';
import type Koa from 'koa';

type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

interface MyState {
  requestId: string;
}

/** With `MyState & ApiKeyState`: both the app's state and the key are typed. */
export function typedApp(apiKeys: ApiKeys, app: Koa<MyState & ApiKeyState>): void {
  app.use(apiKeyAuth({ apiKeys, scopes: ['read'] }));
  app.use((ctx) => {
    const exact: Equals<typeof ctx.state.apiKey, ApiKey | undefined> = true;
    void exact;
    ctx.body = { owner: ctx.state.apiKey?.ownerId, requestId: ctx.state.requestId };
  });
}

/** With only `MyState`: the state has no apiKey — the reason `ApiKeyState` is exported. */
export function untypedApp(apiKeys: ApiKeys, app: Koa<MyState>): void {
  app.use(apiKeyAuth({ apiKeys }));
  app.use((ctx) => {
    // @ts-expect-error -- TS2339: Property 'apiKey' does not exist on type 'MyState'
    ctx.body = ctx.state.apiKey;
  });
}

/** `from` functions and `onReject` receive Koa's `ctx`, typed. */
export function koaCallbacks(apiKeys: ApiKeys): unknown {
  return apiKeyAuth({
    apiKeys,
    from: [(ctx) => ctx.get('x-key') || null, 'authorization:Api-Key'],
    onReject: (rejection, ctx) => {
      const status: number = rejection.status;
      ctx.status = status;
      ctx.set(rejection.headers);
      ctx.body = { error: rejection.code, title: rejection.problem.title };
    },
  });
}
