import { Agent, request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './client.js';
import { createFixture, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

const RUNS = 2000;

interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[]>;
  body: Buffer | undefined;
}

/** Sends a request byte for byte as generated (duplicate headers, latin-1 bytes) with node:http. */
function send(base: string, agent: Agent, req: RawRequest): Promise<{ status: number } | { error: string }> {
  const url = new URL(base);
  return new Promise((resolve) => {
    const outgoing = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.path, agent });
    for (const [name, value] of Object.entries(req.headers)) outgoing.setHeader(name, value);
    // node:http frames a GET/HEAD body only with an explicit length (it would otherwise leak into the next request).
    if (req.body !== undefined) outgoing.setHeader('content-length', req.body.length);
    outgoing.setTimeout(10_000, () => outgoing.destroy(new Error('client timeout')));
    outgoing.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
      res.on('error', (err) => resolve({ error: err.message }));
      // A response cut off without 'end' or 'error' must fail the property with this request as the
      // counterexample, not leave the promise pending until the test times out.
      res.on('close', () => resolve(res.complete ? { status: res.statusCode ?? 0 } : { error: 'response closed before its end' }));
    });
    outgoing.on('error', (err: NodeJS.ErrnoException) => resolve({ error: err.code ?? err.message }));
    outgoing.on('close', () => resolve({ error: 'closed without a response' }));
    outgoing.end(req.body);
  });
}

/** Characters node:http lets through in a header value: latin-1, no controls (bytes ≥ 0x80 are not UTF-8). */
const headerChar = fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c));
const headerValue = fc.oneof(
  { arbitrary: fc.string({ unit: headerChar, maxLength: 40 }), weight: 10 },
  { arbitrary: fc.string({ unit: headerChar, minLength: 200, maxLength: 9000 }), weight: 1 },
);
/** Printable ASCII path characters (what reaches the app), `#` included now and then. */
const pathChar = fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c));
/** Raw bytes U+0080–U+00FF in the path: non-UTF-8 that node's own parser refuses with 400. */
const latin1Char = fc.integer({ min: 0x21, max: 0xff }).map((c) => String.fromCharCode(c));

function arbitraries(secrets: { key: string; token: string; code: string }) {
  const credential = fc.oneof(
    fc.constantFrom(secrets.key, secrets.token, secrets.code, 'sk_', 'rst_', 'inv_', `${secrets.key}x`, secrets.key.toUpperCase()),
    headerValue,
  );
  const segment = fc.oneof(
    { arbitrary: fc.constantFrom('request', 'confirm', 'accept'), weight: 20 },
    { arbitrary: fc.constantFrom('%2e%2e', '..', '%00', '%zz', '%c0%ae', '%2F', '', '%', '%E2%82', secrets.token, secrets.code), weight: 15 },
    { arbitrary: fc.string({ maxLength: 30 }).map(encodeURIComponent), weight: 10 },
    { arbitrary: fc.string({ unit: pathChar, maxLength: 30 }), weight: 15 },
    { arbitrary: fc.integer({ min: 300, max: 6000 }).map((n) => 'a'.repeat(n)), weight: 5 },
    { arbitrary: fc.string({ unit: latin1Char, maxLength: 10 }), weight: 1 },
  );
  const query = fc.option(
    fc.oneof(credential.map((v) => `api_key=${encodeURIComponent(v)}`), fc.string({ unit: pathChar, maxLength: 40 })),
    { nil: undefined, freq: 3 },
  );
  // Mostly paths the flows own (one segment under a mount, or a guarded API route), some that are not.
  const segments = fc.oneof(
    { arbitrary: segment.map((s) => [s]), weight: 8 },
    { arbitrary: fc.constant([]), weight: 1 },
    { arbitrary: fc.array(segment, { minLength: 2, maxLength: 3 }), weight: 1 },
  );
  const path = fc
    .oneof(
      { arbitrary: fc.tuple(fc.constantFrom('/auth/reset', '/invitations'), segments), weight: 6 },
      { arbitrary: fc.tuple(fc.constantFrom('/api/data', '/api/optional', '/api/sources', '/api/admin'), fc.constant([])), weight: 3 },
      { arbitrary: fc.tuple(fc.constantFrom('/', '/nope', '//auth/reset', '/api/data/', '/auth/reset%2Frequest'), segments), weight: 1 },
    )
    .chain(([prefix, parts]) =>
      query.map((q) => `${prefix}${parts.map((part) => `/${part}`).join('')}${q === undefined ? '' : `?${q}`}`),
    );
  const oneOrTwo = (value: fc.Arbitrary<string>) => fc.oneof(value, fc.tuple(value, value).map(([a, b]) => [a, b]));
  const headers = fc.record(
    {
      authorization: oneOrTwo(fc.oneof(credential.map((v) => `Bearer ${v}`), headerValue)),
      'x-api-key': oneOrTwo(credential),
      cookie: oneOrTwo(
        fc.oneof(
          credential.map((v) => `tokenkit_reset=${v}`),
          credential.map((v) => `tokenkit_invite=${v}; api_key=${v}`),
          headerValue,
        ),
      ),
      accept: fc.oneof(fc.constantFrom('text/html', 'application/json', '*/*', 'text/html;q=0.1, application/json'), headerValue),
      'content-type': fc.oneof(
        { arbitrary: fc.constantFrom('application/json', 'application/x-www-form-urlencoded'), weight: 4 },
        fc.constantFrom(
          'application/json',
          'application/x-www-form-urlencoded',
          'text/plain',
          'application/json; charset=latin1',
          'application/merge-patch+json',
          'multipart/form-data; boundary=x',
        ),
        headerValue,
      ),
      'x-forwarded-for': oneOrTwo(headerValue),
      'x-user': oneOrTwo(fc.oneof(fc.constantFrom('u_fuzz', 'u_fuzz;fuzz@example.com', ''), headerValue)),
      'sec-fetch-site': fc.constantFrom('cross-site', 'same-origin', 'none'),
    },
    { requiredKeys: [] },
  );
  const field = fc.oneof(
    credential,
    fc.constantFrom('alice@example.com', ' Ghost@Example.com ', 'long enough password', 'x', ''),
    fc.jsonValue({ maxDepth: 3 }),
  );
  const body = fc.option(
    fc.oneof(
      fc
        .record({ email: field, password: field, token: field, code: field }, { requiredKeys: [] })
        .map((o) => Buffer.from(JSON.stringify(o))),
      fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v))),
      fc.string({ maxLength: 80 }).map((s) => Buffer.from(s)),
      fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
      fc.constantFrom('email=a%40b.c&email=x', 'password=%FF%FE&token=%', '{"email":', '{"__proto__":{"x":1}}').map((s) => Buffer.from(s)),
      fc.integer({ min: 16_000, max: 70_000 }).map((n) => Buffer.alloc(n, 0x61)),
    ),
    { nil: undefined },
  );
  const random = fc.record({
    method: fc.constantFrom('GET', 'HEAD', 'POST', 'POST', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
    path,
    headers,
    body,
  });
  // Near-valid POSTs, so the deeper branches (202, 200, 410, 409…) are fuzzed too, not only the early rejections.
  const nearValid = fc
    .tuple(
      fc.constantFrom(
        ['/auth/reset/request', 'email'],
        ['/auth/reset/confirm', 'token'],
        ['/auth/reset/confirm', 'password'],
        ['/invitations/accept', 'code'],
      ),
      fc.record({ email: field, password: field, token: field, code: field }, { requiredKeys: [] }),
      fc.boolean(),
      headers,
    )
    .map(([[target, name], fields, asForm, extra]) => {
      const value = fields[name as keyof typeof fields];
      const all = { ...fields, [name]: value ?? (name === 'email' ? 'alice@example.com' : name === 'password' ? 'long enough password' : secrets.token) };
      const encoded = asForm
        ? new URLSearchParams(Object.entries(all).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString()
        : JSON.stringify(all);
      return {
        method: 'POST',
        path: target,
        headers: { ...extra, 'content-type': asForm ? 'application/x-www-form-urlencoded' : 'application/json', 'x-user': 'u_fuzz' },
        body: Buffer.from(encoded),
      };
    });
  return fc.oneof({ arbitrary: random, weight: 4 }, { arbitrary: nearValid, weight: 1 });
}

describe.each(FRAMEWORKS)('fuzz on $name', (framework) => {
  let fixture: Fixture;
  let server: RunningServer;
  let key: string;
  let agent: Agent;

  beforeAll(async () => {
    fixture = createFixture({ reset: { minDuration: 0 } });
    server = await framework.start(fixture);
    key = (await fixture.apiKeys.create({ ownerId: 'fuzz' })).key;
    agent = new Agent({ keepAlive: true, maxSockets: 4 });
  });
  afterAll(async () => {
    agent.destroy();
    await server.close();
    await fixture.store.close();
  });

  it(`${RUNS} generated requests: no 5xx, the server stays up, a valid key still works`, async () => {
    const token = (await fixture.resets.issue('u_alice')).token;
    const code = (await fixture.invites.create({ createdBy: 'admin', maxUses: 10_000 })).code;
    const statuses = new Map<number, number>();
    const errors = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(arbitraries({ key, token, code }), async (req) => {
        const result = await send(server.url, agent, req);
        if ('error' in result) {
          errors.set(result.error, (errors.get(result.error) ?? 0) + 1);
          // Only the connection-level outcomes of a request node itself refuses (oversized head, early 413).
          expect(['ECONNRESET', 'EPIPE', 'socket hang up']).toContain(result.error);
          return;
        }
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
        expect(result.status).toBeGreaterThanOrEqual(200);
        expect(result.status).toBeLessThan(500);
      }),
      // No shrinking: a stuck request costs the 10 s client timeout per try, and the first
      // counterexample, printed at once, is what a failure here needs.
      { numRuns: RUNS, endOnFailure: true },
    );
    const counts = [...statuses.entries()].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    console.log(`[fuzz] ${framework.name}: ${counts.join(' ')}${errors.size ? ` errors ${JSON.stringify(Object.fromEntries(errors))}` : ''}`);
    const errorCount = [...errors.values()].reduce((a, b) => a + b, 0);
    expect(errorCount).toBeLessThan(RUNS / 20);
    expect(fixture.errors).toEqual([]);
    const after = await call(server.url, '/api/data', { headers: { authorization: `Bearer ${key}` } });
    expect(after.status).toBe(200);
    expect(after.json()).toMatchObject({ ownerId: 'fuzz' });
  });
});
