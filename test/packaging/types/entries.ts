/**
 * Compile-time checks (run by `tsc -p tsconfig.json --noEmit`, i.e. `pnpm lint`)
 * of the two core entries: the HTTP plumbing is only in `@tokenkit/core/http`,
 * verification is async only, and `MaybePromise` / `isThenable` are the one
 * way to handle a same-tick answer.
 */
import type * as core from '@tokenkit/core';
import type { ApiKeys, MaybePromise, Store, StoredRecord, UseResult } from '@tokenkit/core';
import type * as http from '@tokenkit/core/http';
import { type ApiKeyAuthOutcome, createApiKeyAuthFlow, type HttpRequest, isThenable } from '@tokenkit/core/http';

type Has<T, K extends string> = K extends keyof T ? true : false;

// The root entry has none of the flows or plumbing; `/http` has them.
const rootHasGuard: Has<typeof core, 'createApiKeyAuthFlow'> = false;
const rootHasProblem: Has<typeof core, 'problem'> = false;
const rootHasThenable: Has<typeof core, 'isThenable'> = false;
const httpHasGuard: Has<typeof http, 'createApiKeyAuthFlow'> = true;
const httpHasThenable: Has<typeof http, 'isThenable'> = true;
void [rootHasGuard, rootHasProblem, rootHasThenable, httpHasGuard, httpHasThenable];

/** `verify` is the public verification, and it is async; there is no `verifyNow`. */
export async function verifyOnly(apiKeys: ApiKeys, key: string): Promise<boolean> {
  const hasVerifyNow: Has<ApiKeys, 'verifyNow'> = false;
  void hasVerifyNow;
  const promised: Promise<unknown> = apiKeys.verify(key);
  return ((await promised) as { valid: boolean }).valid;
}

/** A store author's `use` may answer with the result itself or a promise of it. */
export function storeUse(store: Store): MaybePromise<UseResult<StoredRecord>> {
  return store.use('key', 'id', { hashes: [], now: 0 });
}

/** An adapter for another framework: the guard's answer is a `MaybePromise`, told apart by `isThenable`. */
export function adapter(apiKeys: ApiKeys, request: HttpRequest, done: (outcome: ApiKeyAuthOutcome) => void): void {
  const answer = createApiKeyAuthFlow({ apiKeys })(request);
  if (isThenable(answer)) answer.then(done);
  else done(answer);
}
