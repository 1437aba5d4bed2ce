import type { StoredRecord } from '@tokenkit/core';
import { describe, expect, it } from 'vitest';
import { UNTRUSTED, VerifiedRecords } from './unmetered.js';

const record = (id: string): StoredRecord => ({ id, hash: 'v1$h', expiresAt: null, revokedAt: null, maxUses: null, rateLimit: null });

/** A cache whose invalidation channel just became healthy. */
function trusting(limit = 10): VerifiedRecords {
  const cache = new VerifiedRecords(limit);
  cache.reset(true);
  // As if every invalidation connection had just answered a PING.
  cache.leaseUntil = performance.now() + 60_000;
  return cache;
}

describe('VerifiedRecords (trust rules of the client-side cache)', () => {
  it('a read that started while trusted and saw no invalidation becomes a trusted copy', () => {
    const cache = trusting();
    const started = cache.begin('k');
    const epoch = cache.end('k', started);
    expect(epoch).toBe(cache.epoch);
    cache.remember('k', 'v1', record('a'), epoch);
    expect(cache.isTrusted(cache.get('k')!)).toBe(true);
    cache.invalidate('k');
    expect(cache.get('k')).toBeUndefined();
  });

  it('a trusted copy is served only while the lease of the last PONGs lasts', () => {
    const cache = trusting();
    const epoch = cache.end('k', cache.begin('k'));
    cache.remember('k', 'v1', record('a'), epoch);
    expect(cache.isTrusted(cache.get('k')!)).toBe(true);
    cache.leaseUntil = performance.now() - 1;
    expect(cache.isTrusted(cache.get('k')!)).toBe(false);
  });

  it('an invalidation that overtakes the read reply keeps the reply untrusted', () => {
    const cache = trusting();
    const started = cache.begin('k');
    cache.invalidate('k');
    const epoch = cache.end('k', started);
    expect(epoch).toBe(UNTRUSTED);
    cache.remember('k', 'v1', record('a'), epoch);
    expect(cache.isTrusted(cache.get('k')!)).toBe(false);
  });

  it('concurrent reads of one key: an invalidation taints every read in flight', () => {
    const cache = trusting();
    const a = cache.begin('k');
    cache.invalidate('k');
    const b = cache.begin('k');
    expect(cache.end('k', a)).toBe(UNTRUSTED);
    expect(cache.end('k', b)).toBe(UNTRUSTED);
    // Once nothing is in flight, a new read starts clean.
    expect(cache.end('k', cache.begin('k'))).toBe(cache.epoch);
  });

  it('a local write during a read (forget) keeps the reply untrusted', () => {
    const cache = trusting();
    const started = cache.begin('k');
    cache.forget('k');
    expect(cache.end('k', started)).toBe(UNTRUSTED);
  });

  it('a null invalidation (flush) empties everything and taints reads in flight', () => {
    const cache = trusting();
    cache.remember('k', 'v1', record('a'), cache.end('k', cache.begin('k')));
    const started = cache.begin('j');
    cache.invalidate(null);
    expect(cache.size).toBe(0);
    expect(cache.trusting).toBe(true);
    expect(cache.end('j', started)).toBe(UNTRUSTED);
  });

  it('the channel going down empties the cache; reads started before it came back up are never trusted', () => {
    const cache = trusting();
    cache.remember('k', 'v1', record('a'), cache.end('k', cache.begin('k')));
    const started = cache.begin('j');
    cache.reset(false);
    expect(cache.size).toBe(0);
    expect(cache.begin('x')).toBe(UNTRUSTED);
    cache.reset(true);
    expect(cache.end('j', started)).toBe(UNTRUSTED);
    // An untrusted copy stays untrusted in a later epoch.
    cache.remember('u', 'v1', record('u'), UNTRUSTED);
    expect(cache.isTrusted(cache.get('u')!)).toBe(false);
  });

  it('metered records are never kept; the size stays bounded', () => {
    const cache = trusting(2);
    cache.remember('m', 'v1', { ...record('m'), maxUses: 3 }, cache.epoch);
    expect(cache.get('m')).toBeUndefined();
    for (const key of ['a', 'b', 'c']) cache.remember(key, 'v1', record(key), cache.epoch);
    expect(cache.size).toBe(2);
    expect(cache.get('a')).toBeUndefined();
    expect(new VerifiedRecords(0).begin('k')).toBe(UNTRUSTED);
  });
});
