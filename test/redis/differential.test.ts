/**
 * RedisStore against the reference MemoryStore on generated data: `use` on
 * records and requests full of quotes, backslashes, commas, brackets, braces
 * and non-ASCII (same verdict, same record — this pins down the Lua script's
 * text-level scope matching, its used-by set of raw subjects and its `uses` rewriting), and
 * put/get/update on arbitrary JSON fields (exact round trip).
 */
import { MemoryStore, type StoredRecord, type UseRequest } from '@tokenkit/core';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRedis, SHARED_REDIS_URL, storeHarness } from './harness.js';

let harness: ReturnType<typeof storeHarness>;
beforeAll(async () => {
  harness = storeHarness(await connectRedis(SHARED_REDIS_URL));
});
afterAll(async () => {
  await harness?.close();
});

const tricky = fc.string({
  unit: fc.constantFrom('r', 'e', 'a', 'd', '"', '\\', ',', '[', ']', '{', '}', ':', ' ', 'é', '💥', '\u0000', '\n'),
  maxLength: 6,
});
const list = fc.uniqueArray(tricky, { maxLength: 4 });

describe('RedisStore matches MemoryStore', () => {
  it('on scopes, subjects, usedBy and emails with JSON-hostile characters', async () => {
    const memory = new MemoryStore({ sweepIntervalMs: 0 });
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        list,
        list,
        list,
        fc.option(tricky, { nil: undefined }),
        fc.option(tricky, { nil: null }),
        fc.option(tricky, { nil: undefined }),
        fc.option(fc.integer({ min: 0, max: 3 }), { nil: null }),
        async (scopes, requested, usedBy, subject, email, presentedEmail, maxUses) => {
          const record: StoredRecord = {
            id: `d${++n}`,
            hash: 'v1$expected',
            expiresAt: null,
            scopes,
            uses: 0,
            maxUses: null,
            email: null,
          };
          await memory.put('d', record, { ttlMs: 60_000 });
          await harness.store.put('d', record, { ttlMs: 60_000 });
          // Earlier redeemers go into the used-by set the way redemptions put them there.
          for (const earlier of usedBy) {
            const hashes = ['v1$expected'];
            expect((await harness.store.use('d', record.id, { hashes, now: Date.now(), subject: earlier })).ok).toBe(true);
            expect((await memory.use('d', record.id, { hashes, now: Date.now(), subject: earlier })).ok).toBe(true);
          }
          const bound = { maxUses: maxUses === null ? null : usedBy.length + maxUses, email };
          await memory.update('d', record.id, bound);
          await harness.store.update('d', record.id, bound);
          const request: UseRequest = { hashes: ['v1$expected'], now: Date.now(), scopes: requested };
          if (subject !== undefined) request.subject = subject;
          if (presentedEmail !== undefined) request.email = presentedEmail;
          const expected = await memory.use('d', record.id, request);
          const actual = await harness.store.use('d', record.id, request);
          expect(actual).toEqual(expected);
          expect(await harness.store.get('d', record.id)).toEqual(await memory.get('d', record.id));
          const everyone = async (store: typeof memory | typeof harness.store) =>
            (await store.usedBy('d', record.id, { limit: 1000 })).ids.sort();
          expect(await everyone(harness.store)).toEqual(await everyone(memory));
        },
      ),
      { numRuns: 300 },
    );
    await memory.close();
  });

  it('on rotated records: previous hash before, at and after its grace end, revoked or not', async () => {
    const memory = new MemoryStore({ sweepIntervalMs: 0 });
    const now = Date.now();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.option(fc.constantFrom('v1$old', 'v1$new'), { nil: null }),
        fc.option(fc.integer({ min: -2, max: 2 }), { nil: null }),
        fc.subarray(['v1$old', 'v1$new', 'v1$other'], { minLength: 1 }),
        fc.boolean(),
        fc.option(fc.integer({ min: -1, max: 1 }), { nil: null }),
        async (previousHash, graceOffset, hashes, revoked, expiryOffset) => {
          const record: StoredRecord = {
            id: `r${++n}`,
            hash: 'v1$new',
            previousHash,
            previousHashExpiresAt: graceOffset === null ? null : now + graceOffset,
            expiresAt: expiryOffset === null ? null : now + expiryOffset,
            revokedAt: revoked ? now - 5 : null,
            maxUses: null,
            rateLimit: null,
          };
          await memory.put('r', record, { ttlMs: 60_000 });
          await harness.store.put('r', record, { ttlMs: 60_000 });
          const request: UseRequest = { hashes, now };
          // Twice on Redis: the script, then (for these unmetered records) the cached path.
          const expected = await memory.use('r', record.id, request);
          expect(await harness.store.use('r', record.id, request)).toEqual(expected);
          expect(await harness.store.use('r', record.id, request)).toEqual(expected);
        },
      ),
      { numRuns: 200 },
    );
    await memory.close();
  });

  it('put/get/update keep arbitrary JSON fields exactly (empty arrays, long numbers, nesting, odd names)', async () => {
    const memory = new MemoryStore({ sweepIntervalMs: 0 });
    const fields = fc.dictionary(
      fc.string({ maxLength: 8 }).filter((k) => k !== 'id'),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant([]), fc.constant({}), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Object.is(x, -0))),
      { maxKeys: 6 },
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fields, fields, async (rawExtra, rawPatch) => {
        // Records are JSON by contract: normalise what JSON cannot carry (e.g. a nested -0).
        const extra = JSON.parse(JSON.stringify(rawExtra)) as Record<string, unknown>;
        const patch = JSON.parse(JSON.stringify(rawPatch)) as Record<string, unknown>;
        const record = { ...extra, id: `j${++n}`, hash: 'v1$h', expiresAt: null } as StoredRecord;
        await memory.put('j', record, { ttlMs: 60_000 });
        await harness.store.put('j', record, { ttlMs: 60_000 });
        expect(await harness.store.get('j', record.id)).toEqual(await memory.get('j', record.id));
        const expected = await memory.update('j', record.id, patch as Partial<StoredRecord>);
        const actual = await harness.store.update('j', record.id, patch as Partial<StoredRecord>);
        expect(actual).toEqual(expected);
        expect(await harness.store.get('j', record.id)).toEqual(await memory.get('j', record.id));
      }),
      { numRuns: 200 },
    );
    await memory.close();
  });
});
