import diagnosticsChannel from 'node:diagnostics_channel';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../api-keys/index.js';
import { EVENT_CHANNEL, type TokenkitEvent, type VerifyTraceContext, VERIFY_TRACING_CHANNEL, verifyTracing } from '../../events.js';
import { MemoryStore } from '../../store/memory-store.js';
import { InstrumentedStore } from '../../test-utils/stores.js';
import { rejectionOf } from '../response/index.js';
import { neutralRequest } from '../testing/neutral-request.js';
import { createApiKeyAuthFlow } from './index.js';

const secret = 'unit-test-secret-0123456789abcdefghij';

/** Records every tokenkit:verify message as [sub-channel, snapshot of the context]. */
function recordTracing() {
  const seen: Array<[string, VerifyTraceContext & { same: boolean }]> = [];
  let first: VerifyTraceContext | undefined;
  const on = (name: string) => (context: VerifyTraceContext) => {
    first ??= context;
    seen.push([name, { ...context, same: context === first }]);
  };
  const handlers = {
    start: on('start'),
    end: on('end'),
    asyncStart: on('asyncStart'),
    asyncEnd: on('asyncEnd'),
    error: on('error'),
  };
  verifyTracing.subscribe(handlers);
  return {
    seen,
    reset: () => {
      seen.length = 0;
      first = undefined;
    },
    stop: () => verifyTracing.unsubscribe(handlers),
  };
}

describe('tokenkit:verify tracing channel', () => {
  let stop: (() => void) | undefined;
  afterEach(() => stop?.());

  it('is named tokenkit:verify (tracing:tokenkit:verify:start …)', () => {
    expect(VERIFY_TRACING_CHANNEL).toBe('tokenkit:verify');
    expect(diagnosticsChannel.channel('tracing:tokenkit:verify:start')).toBe(verifyTracing.start);
  });

  it('a same-tick verification publishes start → end with the result on one context, never the key', async () => {
    const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const { key, apiKey } = await apiKeys.create({ ownerId: 'o', scopes: ['read'] });
    const guard = createApiKeyAuthFlow({ apiKeys, scopes: ['read'] });
    const tracing = recordTracing();
    stop = tracing.stop;
    const answer = guard(neutralRequest({ headers: { authorization: `Bearer ${key}` } }));
    expect(answer).not.toBeInstanceOf(Promise); // tracing keeps the same-tick answer
    expect(tracing.seen.map(([name]) => name)).toEqual(['start', 'end']);
    expect(tracing.seen[1]![1]).toMatchObject({ scopes: ['read'], async: false, same: true, result: { valid: true, id: apiKey.id, ownerId: 'o' } });
    expect(JSON.stringify(tracing.seen)).not.toContain(key);

    tracing.reset();
    await guard(neutralRequest({ headers: { authorization: `Bearer ${key.slice(0, -1)}x` } }));
    expect(tracing.seen.map(([name, context]) => [name, context.result])).toEqual([
      ['start', undefined],
      ['end', { valid: false, code: 'MALFORMED' }],
    ]);
  });

  it('an asynchronous store publishes start → end → asyncStart → asyncEnd; a failure publishes error', async () => {
    const memory = new MemoryStore({ sweepIntervalMs: 0 });
    const { key } = await new ApiKeys({ store: memory, secret }).create({ ownerId: 'o' });
    const store = new InstrumentedStore(memory);
    const guard = createApiKeyAuthFlow({ apiKeys: new ApiKeys({ store, secret }) });
    const tracing = recordTracing();
    stop = tracing.stop;
    const outcome = await guard(neutralRequest({ headers: { 'x-api-key': key } }));
    expect(outcome.response).toBeUndefined();
    expect(tracing.seen.map(([name, context]) => [name, context.async, context.same])).toEqual([
      ['start', false, true],
      ['end', true, true],
      ['asyncStart', true, true],
      ['asyncEnd', true, true],
    ]);
    expect(tracing.seen[3]![1].result).toMatchObject({ valid: true, ownerId: 'o' });

    tracing.reset();
    store.failure = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' });
    const failed = await guard(neutralRequest({ headers: { 'x-api-key': key } }));
    expect(failed.response?.status).toBe(503);
    expect(tracing.seen.map(([name]) => name)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
    expect(tracing.seen[2]![1].error).toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('publishes nothing and allocates no context while nobody subscribes', async () => {
    const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const guard = createApiKeyAuthFlow({ apiKeys });
    expect(verifyTracing.start.hasSubscribers).toBe(false);
    const answer = guard(neutralRequest({ headers: { authorization: `Bearer ${key}` } }));
    expect(answer).not.toBeInstanceOf(Promise);
  });
});

describe('events of the guard', () => {
  it('store.unavailable carries the operation and the underlying error code, on onEvent and the channel', async () => {
    const memory = new MemoryStore({ sweepIntervalMs: 0 });
    const { key } = await new ApiKeys({ store: memory, secret }).create({ ownerId: 'o' });
    const store = new InstrumentedStore(memory);
    const events: TokenkitEvent[] = [];
    const published: unknown[] = [];
    const onPublish = (message: unknown) => published.push(message);
    diagnosticsChannel.subscribe(EVENT_CHANNEL, onPublish);
    try {
      const guard = createApiKeyAuthFlow({ apiKeys: new ApiKeys({ store, secret, onEvent: (e) => events.push(e) }) });
      store.failure = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
      expect((await guard(neutralRequest({ headers: { 'x-api-key': key } }))).response?.status).toBe(503);
      // A failing throttle count is an outage too.
      expect((await guard(neutralRequest({ headers: { 'x-api-key': 'sk_bad' } }))).response?.status).toBe(503);
    } finally {
      diagnosticsChannel.unsubscribe(EVENT_CHANNEL, onPublish);
    }
    const outages = events.filter((e) => e.type === 'store.unavailable');
    expect(outages).toEqual([
      { type: 'store.unavailable', operation: 'apikey.verify', code: 'ECONNREFUSED', at: expect.any(Number) },
      { type: 'store.unavailable', operation: 'throttle.hit', code: 'ECONNREFUSED', at: expect.any(Number) },
    ]);
    expect(published).toEqual(expect.arrayContaining(outages));
  });

  it('throttle.blocked hashes the client with the manager secret: stable per IP, different per IP and per secret', async () => {
    const blockedClients = async (managerSecret: string, ip: string) => {
      const events: TokenkitEvent[] = [];
      const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret: managerSecret, onEvent: (e) => events.push(e) });
      const guard = createApiKeyAuthFlow({ apiKeys, throttle: { limit: 1, window: '1m' } });
      for (let i = 0; i < 3; i++) await guard(neutralRequest({ ip, headers: { 'x-api-key': 'sk_x' } }));
      return events.filter((e) => e.type === 'throttle.blocked').map((e) => e.client);
    };
    const a = await blockedClients(secret, '203.0.113.7');
    expect(a).toHaveLength(2);
    expect(a[0]).toBe(a[1]);
    expect(a[0]).not.toContain('203.0.113.7');
    expect(await blockedClients(secret, '203.0.113.7')).toEqual(a); // another process, same secret
    expect((await blockedClients(secret, '203.0.113.8'))[0]).not.toBe(a[0]);
    expect((await blockedClients(`${secret}-other`, '203.0.113.7'))[0]).not.toBe(a[0]);
  });
});

describe('rejectionOf', () => {
  it('gives the status, code, problem and the headers without Content-Type/Length; nothing for successes', async () => {
    const apiKeys = new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const outcome = await createApiKeyAuthFlow({ apiKeys })(neutralRequest());
    const response = outcome.response!;
    expect(rejectionOf(response)).toEqual({
      status: 401,
      code: 'MISSING_CREDENTIAL',
      headers: { 'cache-control': 'no-store', 'www-authenticate': 'Bearer realm="api"' },
      problem: JSON.parse(response.body),
    });
    const { key } = await apiKeys.create({ ownerId: 'o' });
    const ok = await createApiKeyAuthFlow({ apiKeys })(neutralRequest({ headers: { 'x-api-key': key } }));
    expect(ok.response).toBeUndefined();
  });
});
