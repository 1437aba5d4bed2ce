import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { MemoryStore, type Store, StoreUnavailableError } from '@tokenkit/core';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from './app.js';
import { logEvents, traceVerifications } from './observability.js';

const SECRET = 'observability-example-secret-0123456789';

describe('observability example: events → pino, tokenkit:verify → OpenTelemetry spans', () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const memory = new MemoryStore({ sweepIntervalMs: 0 });
  let down = false;
  // The memory store behind a switch, answering asynchronously like Redis does.
  const store = new Proxy(memory, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        if (down) throw new StoreUnavailableError('store is down', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as Store;
  const { app, apiKeys } = createApp(store, SECRET);
  let server: Server;
  let url: string;
  const stops: Array<() => void> = [];

  beforeAll(async () => {
    stops.push(logEvents(pino({ level: 'debug' }, sink)), traceVerifications(provider.getTracer('test')));
    server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    for (const stop of stops) stop();
    server.closeAllConnections();
    server.close();
    await provider.shutdown();
  });
  beforeEach(() => {
    exporter.reset();
    lines.length = 0;
  });

  const get = (headers: Record<string, string>) => fetch(`${url}/api/me`, { headers });

  it('a valid key: one ended span with the key id and owner, a debug log line', async () => {
    const { key, apiKey } = await apiKeys.create({ ownerId: 'ann', scopes: ['read'] });
    const res = await get({ authorization: `Bearer ${key}` });
    expect(res.status).toBe(200);
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.name).toBe('tokenkit.verify');
    expect(spans[0]!.attributes).toEqual({
      'tokenkit.scopes': ['read'],
      'tokenkit.valid': true,
      'tokenkit.key_id': apiKey.id,
      'enduser.id': 'ann',
    });
    expect(spans[0]!.status.code).toBe(SpanStatusCode.UNSET);
    expect(lines).toContainEqual(expect.objectContaining({ level: 20, msg: 'tokenkit apikey.verified', tokenkit: expect.objectContaining({ id: apiKey.id }) }));
    expect(JSON.stringify(lines)).not.toContain(key);
  });

  it('a store outage: an error span and an error log line with the cause code', async () => {
    const { key } = await apiKeys.create({ ownerId: 'bob', scopes: ['read'] });
    down = true;
    try {
      expect((await get({ 'x-api-key': key })).status).toBe(503);
    } finally {
      down = false;
    }
    const spans = exporter.getFinishedSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]!.status.code).toBe(SpanStatusCode.ERROR);
    expect(spans[0]!.events.map((e) => e.name)).toEqual(['exception']);
    expect(lines).toContainEqual(
      expect.objectContaining({ level: 50, tokenkit: expect.objectContaining({ type: 'store.unavailable', operation: 'apikey.verify', code: 'ECONNREFUSED' }) }),
    );
  });

  // Last: it leaves this client (127.0.0.1) blocked.
  it('bad keys: spans with the rejection code; the throttle block is logged as a warning, without the IP', async () => {
    for (let i = 0; i < 4; i++) await get({ authorization: `Bearer sk_guess${i}` });
    const spans = exporter.getFinishedSpans();
    // The fourth attempt is blocked before verification: three spans.
    expect(spans.map((s) => s.attributes['tokenkit.code'])).toEqual(['MALFORMED', 'MALFORMED', 'MALFORMED']);
    const blocked = lines.filter((l) => l.msg === 'tokenkit throttle.blocked');
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({ level: 40, tokenkit: { type: 'throttle.blocked', operation: 'apikey-ip', client: expect.any(String) } });
    expect(JSON.stringify(blocked)).not.toContain('127.0.0.1');
  });
});
