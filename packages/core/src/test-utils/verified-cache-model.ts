/**
 * A differential model of the verified-credential cache: the same random
 * sequence of operations runs in two worlds — one whose `ApiKeys` cache
 * verified credentials, one whose `ApiKeys` do not — and every answer must be
 * the same (ids and credentials aside, which are random per world). Each
 * world has two "processes" (two `ApiKeys` instances) sharing one store, so a
 * change made by one must be seen by the other's cached verifications too.
 *
 * Two worlds rather than two managers on one store: verifications of metered
 * keys spend uses, so asking the same store twice would change the answer.
 */
import fc from 'fast-check';
import { ApiKeys, type ApiKeysOptions, type ApiKeyVerifyResult } from '../api-keys/index.js';
import { generateCredentialFor } from '../credential/credential.js';
import type { Store } from '../store/types.js';

/** Secrets a process may rotate through (newest first after each rotation). */
const SECRETS = [
  'model-secret-one-0123456789-abcdefghijklm',
  'model-secret-two-0123456789-abcdefghijklm',
  'model-secret-three-0123456789-abcdefghijk',
];
const SCOPES = ['a', 'b', 'c'] as const;

export type ModelCommand =
  | {
      op: 'create';
      proc: number;
      scopes: string[];
      remaining?: number;
      rateLimit?: number;
      expiresInMs?: number;
    }
  | { op: 'verify'; proc: number; key: number; generation: number; scopes: string[] }
  | { op: 'forged'; proc: number; key: number }
  | { op: 'revoke'; proc: number; key: number }
  | { op: 'rotate'; proc: number; key: number; graceMs: number }
  | { op: 'advance'; ms: number }
  | { op: 'rotateSecret'; proc: number };

/**
 * @param options - `rateLimit: false` leaves per-key rate limits out (a store whose windows follow the wall clock)
 * @returns an arbitrary sequence of model commands
 */
export function modelCommands(options: { rateLimit?: boolean; maxLength?: number } = {}): fc.Arbitrary<ModelCommand[]> {
  const proc = fc.integer({ min: 0, max: 1 });
  const index = fc.nat({ max: 7 });
  const scopes = fc.subarray([...SCOPES]);
  const create = fc.record(
    {
      op: fc.constant('create' as const),
      proc,
      scopes,
      remaining: fc.integer({ min: 1, max: 4 }),
      rateLimit: fc.integer({ min: 1, max: 3 }),
      expiresInMs: fc.integer({ min: 1, max: 300_000 }),
    },
    { requiredKeys: ['op', 'proc', 'scopes'] },
  ).map((c) => (options.rateLimit === false ? { ...c, rateLimit: undefined } : c));
  // Mostly no scope required (the common guard), sometimes one the key may lack.
  const required = fc.oneof({ arbitrary: fc.constant<string[]>([]), weight: 3 }, { arbitrary: scopes, weight: 1 });
  const verify = fc.record({ op: fc.constant('verify' as const), proc, key: index, generation: fc.constantFrom(0, 0, 0, 1, 2), scopes: required });
  return fc.array(
    fc.oneof(
      { arbitrary: create, weight: 3 },
      // Verifications dominate: repeated ones are what the cache serves.
      { arbitrary: verify, weight: 12 },
      { arbitrary: fc.record({ op: fc.constant('forged' as const), proc, key: index }), weight: 1 },
      { arbitrary: fc.record({ op: fc.constant('revoke' as const), proc, key: index }), weight: 1 },
      {
        arbitrary: fc.record({ op: fc.constant('rotate' as const), proc, key: index, graceMs: fc.constantFrom(0, 30_000, 120_000) }),
        weight: 2,
      },
      { arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 120_000 }) }), weight: 2 },
      { arbitrary: fc.record({ op: fc.constant('rotateSecret' as const), proc }), weight: 1 },
    ),
    { minLength: 10, maxLength: options.maxLength ?? 80, size: 'max' },
  );
}

/** One world: a store, two processes, the keys issued (every generation of credential per key). */
export class ModelWorld {
  readonly procs: ApiKeys[] = [];
  private readonly secretCount = [1, 1];
  /** key index → its id and every credential it has had, oldest first. */
  readonly keys: Array<{ id: string; credentials: string[] }> = [];

  /**
   * @param stores - each process's store (the same store, or two clients of one shared store)
   * @param now - the shared clock
   * @param cache - each process's `verifiedCache` option
   */
  constructor(
    stores: [Store, Store],
    private readonly now: () => number,
    private readonly cache: [ApiKeysOptions['verifiedCache'], ApiKeysOptions['verifiedCache']],
    private readonly stores_ = stores,
  ) {
    this.procs = [this.manager(0), this.manager(1)];
  }

  private manager(proc: 0 | 1): ApiKeys {
    // Newest secret first: the first one signs, all of them verify.
    const secret = SECRETS.slice(0, this.secretCount[proc]).reverse();
    return new ApiKeys({ store: this.stores_[proc], secret, now: this.now, verifiedCache: this.cache[proc], validate: false });
  }

  /** Key indexes wrap around the keys issued so far, so most commands act on a real key. */
  private pick(index: number): { id: string; credentials: string[] } | undefined {
    return this.keys.length === 0 ? undefined : this.keys[index % this.keys.length];
  }

  /**
   * Runs one command.
   *
   * @returns what the command answered, with this world's random ids and credentials left out
   */
  async run(command: ModelCommand): Promise<unknown> {
    switch (command.op) {
      case 'create': {
        const { key, apiKey } = await this.procs[command.proc]!.create({
          ownerId: `owner-${command.proc}`,
          scopes: command.scopes,
          ...(command.remaining === undefined ? {} : { remaining: command.remaining }),
          ...(command.rateLimit === undefined ? {} : { rateLimit: { limit: command.rateLimit, window: '1m' } }),
          ...(command.expiresInMs === undefined ? {} : { expiresIn: command.expiresInMs }),
        });
        this.keys.push({ id: apiKey.id, credentials: [key] });
        return { created: this.keys.length - 1 };
      }
      case 'verify': {
        const key = this.pick(command.key);
        if (!key) return 'no key';
        // Mostly the newest credential, sometimes an older one (a rotation's previous credential, or one rotated away).
        const credential = key.credentials[Math.max(0, key.credentials.length - 1 - command.generation)]!;
        const scopes = command.scopes.length > 0 ? { scopes: command.scopes } : {};
        return normalize(await this.procs[command.proc]!.verify(credential, scopes));
      }
      case 'forged': {
        const key = this.pick(command.key);
        if (!key) return 'no key';
        return normalize(await this.procs[command.proc]!.verify(generateCredentialFor('sk', key.id).credential));
      }
      case 'revoke': {
        const key = this.pick(command.key);
        if (!key) return 'no key';
        const revoked = await this.procs[command.proc]!.revoke(key.id);
        return revoked === null ? null : revoked.revokedAt;
      }
      case 'rotate': {
        const key = this.pick(command.key);
        if (!key) return 'no key';
        const rotated = await this.procs[command.proc]!.rotate(key.id, { gracePeriod: command.graceMs });
        if (rotated === null) return null;
        key.credentials.push(rotated.key);
        return rotated.previousExpiresAt;
      }
      case 'advance':
        return 'advanced';
      case 'rotateSecret': {
        const proc = command.proc as 0 | 1;
        // A deploy with one more secret: a new manager (its cache starts empty), like a restarted process.
        if (this.secretCount[proc]! < SECRETS.length) this.secretCount[proc]!++;
        this.procs[proc] = this.manager(proc);
        return this.secretCount[proc];
      }
    }
  }
}

/** A verification's answer without the world's random id (and `start`, derived from it). */
function normalize(result: ApiKeyVerifyResult): unknown {
  if (!result.valid) return result;
  const { id: _id, start: _start, ...rest } = result.apiKey;
  return { ...result, apiKey: rest };
}
