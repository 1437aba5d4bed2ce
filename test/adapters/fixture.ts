import {
  ApiKeys,
  type ConsumeResult,
  Invitations,
  MemoryStore,
  type PutOptions,
  ResetTokens,
  type Store,
  type StoredRecord,
  type UsedByPage,
  type UsedByPageOptions,
  StoreUnavailableError,
  type TokenkitEvent,
  type UseRequest,
  type UseResult,
  type WindowCount,
} from '@tokenkit/core';
import type {
  AcceptedInvitation,
  ApiKeyAuthOptions,
  ResetEmail,
  ResetRoutesOptions,
} from '@tokenkit/core/http';

export const SECRET = 'adapter-matrix-secret-0123456789abcdef';
export const BASE_URL = 'https://app.example.test/auth/reset';
export const FORM_PATH = '/reset-password';
export const ACCEPT_PATH = '/join';

/**
 * A real MemoryStore behind a switch: `down = true` makes every operation
 * reject with StoreUnavailableError (what RedisStore does when Redis is gone),
 * and `calls` counts operations so tests can prove how many a request made.
 */
export class SwitchableStore implements Store {
  down = false;
  /** Delay of every operation in ms (0: answer at once), to stand in for a network store such as Redis. */
  latencyMs = 0;
  readonly calls: Record<string, number> = {};

  constructor(readonly inner: MemoryStore) {}

  totalCalls(): number {
    return Object.values(this.calls).reduce((a, b) => a + b, 0);
  }

  put(ns: string, record: StoredRecord, options: PutOptions): Promise<boolean> {
    return this.run('put', () => this.inner.put(ns, record, options));
  }
  get<R extends StoredRecord>(ns: string, id: string): Promise<R | null> {
    return this.run('get', () => this.inner.get<R>(ns, id));
  }
  update<R extends StoredRecord>(ns: string, id: string, patch: Partial<R>, options?: { ttlMs?: number | null }): Promise<R | null> {
    return this.run('update', () => this.inner.update<R>(ns, id, patch, options));
  }
  delete(ns: string, id: string): Promise<boolean> {
    return this.run('delete', () => this.inner.delete(ns, id));
  }
  consume<R extends StoredRecord>(ns: string, id: string, hashes: readonly string[], now: number): Promise<ConsumeResult<R>> {
    return this.run('consume', () => this.inner.consume<R>(ns, id, hashes, now));
  }
  use<R extends StoredRecord>(ns: string, id: string, request: UseRequest): Promise<UseResult<R>> {
    return this.run('use', async () => this.inner.use<R>(ns, id, request));
  }
  hit(ns: string, key: string, windowMs: number, cost?: number): Promise<WindowCount> {
    return this.run('hit', () => this.inner.hit(ns, key, windowMs, cost));
  }
  indexAdd(ns: string, subject: string, id: string, ttlMs: number | null): Promise<void> {
    return this.run('indexAdd', () => this.inner.indexAdd(ns, subject, id, ttlMs));
  }
  indexMembers(ns: string, subject: string): Promise<string[]> {
    return this.run('indexMembers', () => this.inner.indexMembers(ns, subject));
  }
  indexRemove(ns: string, subject: string, ids: readonly string[]): Promise<void> {
    return this.run('indexRemove', () => this.inner.indexRemove(ns, subject, ids));
  }
  usedBy(ns: string, id: string, options?: UsedByPageOptions): Promise<UsedByPage> {
    return this.run('usedBy', () => this.inner.usedBy(ns, id, options));
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  private run<T>(name: string, operation: () => Promise<T>): Promise<T> {
    this.calls[name] = (this.calls[name] ?? 0) + 1;
    if (this.down) return Promise.reject(new StoreUnavailableError('test store is down', { retryAfterMs: 2500 }));
    if (this.latencyMs > 0) return new Promise((resolve) => setTimeout(resolve, this.latencyMs)).then(operation);
    return operation();
  }
}

export interface TestUser {
  id: string;
  email: string;
}

/** Tweaks a test applies to the app it starts. */
export interface FixtureOptions {
  /** Failed verifications per IP before 429 (default 5). */
  authLimit?: number;
  /** How long sendResetEmail takes (default 0 ms). */
  sendDelayMs?: number;
  /** Overrides of the reset routes' options. */
  reset?: Partial<ResetRoutesOptions<TestUser>>;
  /** Mount the framework's own body parsers before the routes. */
  preparsed?: boolean;
  /** Make onAccepted throw (an app bug). */
  failOnAccepted?: boolean;
  /**
   * Give every guard and route an `onReject`: `'respond'` answers JSON
   * `{ error: code }` with the rejection's status and headers, `'next'` passes
   * an error on (`next(err)` / `ctx.throw`), `'throw'` is an async handler that throws.
   */
  reject?: 'respond' | 'next' | 'throw';
}

/** Everything one app under test is built from, and what its callbacks recorded. */
export interface Fixture {
  options: FixtureOptions;
  store: SwitchableStore;
  apiKeys: ApiKeys;
  resets: ResetTokens;
  invites: Invitations;
  users: Map<string, TestUser>;
  outbox: ResetEmail<TestUser>[];
  passwords: Array<{ userId: string; password: string }>;
  accepted: AcceptedInvitation<TestUser>[];
  errors: unknown[];
  /** What the three managers' `onEvent` received. */
  events: TokenkitEvent[];
  auth: ApiKeyAuthOptions;
  reset: ResetRoutesOptions<TestUser>;
  /** The test's stand-in for a session: `x-user: <id>` or `x-user: <id>;<email>`. */
  userFrom(header: string | string[] | undefined): TestUser | null;
  addUser(id: string, email: string): TestUser;
}

/**
 * Builds a fixture.
 *
 * @param options - per-test tweaks
 * @returns the fixture
 */
export function createFixture(options: FixtureOptions = {}): Fixture {
  const store = new SwitchableStore(new MemoryStore({ sweepIntervalMs: 0 }));
  const events: TokenkitEvent[] = [];
  const onEvent = (event: TokenkitEvent) => events.push(event);
  const apiKeys = new ApiKeys({ store, secret: SECRET, onEvent });
  // 'keep' so a test can hold a second token and see revokeAll remove it.
  const resets = new ResetTokens({ store, secret: SECRET, onIssue: 'keep', onEvent });
  const invites = new Invitations({ store, secret: SECRET, onEvent });
  const users = new Map<string, TestUser>();
  const outbox: ResetEmail<TestUser>[] = [];
  const passwords: Array<{ userId: string; password: string }> = [];
  const accepted: AcceptedInvitation<TestUser>[] = [];
  const errors: unknown[] = [];
  const addUser = (id: string, email: string): TestUser => {
    const user = { id, email };
    users.set(email.toLowerCase(), user);
    return user;
  };
  addUser('u_alice', 'alice@example.com');
  addUser('u_bob', 'bob@example.com');
  const delay = options.sendDelayMs ?? 0;
  return {
    options,
    store,
    apiKeys,
    resets,
    invites,
    users,
    outbox,
    passwords,
    accepted,
    errors,
    events,
    addUser,
    auth: { apiKeys, throttle: { limit: options.authLimit ?? 5, window: '1m' } },
    reset: {
      resets,
      baseUrl: BASE_URL,
      formPath: FORM_PATH,
      findUserByEmail: async (email) => users.get(email.toLowerCase()) ?? null,
      sendResetEmail: async (message) => {
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        outbox.push(message);
      },
      setPassword: async (userId, password) => {
        passwords.push({ userId, password });
      },
      validatePassword: (password) => password.length >= 8 || 'Use at least 8 characters.',
      cookie: { secure: true },
      onError: (err) => errors.push(err),
      ...options.reset,
    },
    userFrom(header) {
      if (typeof header !== 'string' || header === '') return null;
      const [id = '', email] = header.split(';');
      return email === undefined ? { id, email: `${id}@example.com` } : { id, email };
    },
  };
}
