import { describe, expect, it } from 'vitest';
import { clientHasher, type EventSink, type TokenkitEvent } from '../../events.js';
import { blockedResponse } from './blocked.js';

function sink(observed: boolean): EventSink & { events: TokenkitEvent[] } {
  const events: TokenkitEvent[] = [];
  return { events, observed, emit: (e) => events.push(e), clientHash: clientHasher('blocked-test-secret-0123456789abcdefghij') };
}

describe('blockedResponse', () => {
  it('answers 429 problem+json with Retry-After and the RateLimit headers of the quota, and emits throttle.blocked with the hashed client', () => {
    const events = sink(true);
    const res = blockedResponse({
      events,
      policy: 'reset-ip',
      client: '203.0.113.9',
      retryAfterMs: 59_001,
      quota: { limit: 20, windowMs: 900_000 },
      code: 'TOO_MANY_REQUESTS',
      detail: 'Too many.',
      headers: { 'cache-control': 'no-store' },
    });
    expect(res.status).toBe(429);
    expect(res.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'retry-after': '60',
      'ratelimit-policy': '"reset-ip"; q=20; w=900',
      ratelimit: '"reset-ip"; r=0; t=60',
    });
    expect(JSON.parse(String(res.body))).toMatchObject({ status: 429, code: 'TOO_MANY_REQUESTS', detail: 'Too many.' });
    expect(events.events).toEqual([{ type: 'throttle.blocked', operation: 'reset-ip', client: clientHasher('blocked-test-secret-0123456789abcdefghij')('203.0.113.9'), at: expect.any(Number) }]);
    expect(JSON.stringify(events.events)).not.toContain('203.0.113.9');
  });

  it('without a quota (standardHeaders: false) sends Retry-After only; nothing is emitted while nobody listens', () => {
    const events = sink(false);
    const res = blockedResponse({ events, policy: 'invite-ip', client: undefined, retryAfterMs: 1, quota: undefined, code: 'X', detail: 'x' });
    expect(res.headers['retry-after']).toBe('1');
    expect(res.headers['ratelimit-policy']).toBeUndefined();
    expect(res.headers.ratelimit).toBeUndefined();
    expect(events.events).toEqual([]);
  });
});
