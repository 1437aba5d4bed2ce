import { RESET_REQUEST_ACCEPTED } from '@tokenkit/core/http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, eventually, headersWithoutDate, median, type Reply } from './client.js';
import { createFixture, type Fixture } from './fixture.js';
import { FRAMEWORKS, type RunningServer } from './frameworks.js';

const PAIRS = 100;
const SEND_MS = 50;
const CONCURRENCY = 20;

/** Runs the calls with a fixed number in flight, preserving the interleaved order of starts. */
async function pool<T>(tasks: Array<() => Promise<T>>, width: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const index = next++;
      results[index] = await tasks[index]!();
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

async function measure(fixture: Fixture, server: RunningServer, label: string, width: number) {
  const known = Array.from({ length: PAIRS }, (_, i) => fixture.addUser(`${label}_${i}`, `${label}.${i}@example.com`).email);
  const unknown = Array.from({ length: PAIRS }, (_, i) => `${label}.ghost.${i}@example.com`);
  const tasks: Array<() => Promise<Reply>> = [];
  for (let i = 0; i < PAIRS; i++) {
    tasks.push(() => call(server.url, '/auth/reset/request', { body: { email: known[i] } }));
    tasks.push(() => call(server.url, '/auth/reset/request', { body: { email: unknown[i] } }));
  }
  const replies = await pool(tasks, width);
  const knownReplies = replies.filter((_, i) => i % 2 === 0);
  const unknownReplies = replies.filter((_, i) => i % 2 === 1);
  return {
    knownReplies,
    unknownReplies,
    knownMedian: median(knownReplies.map((r) => r.ms)),
    unknownMedian: median(unknownReplies.map((r) => r.ms)),
  };
}

describe.each(FRAMEWORKS)('reset-request enumeration safety on $name', (framework) => {
  let fixture: Fixture;
  let server: RunningServer;

  beforeAll(async () => {
    // Default padding (250 ms); sendResetEmail takes 50 ms for every known address.
    fixture = createFixture({ sendDelayMs: SEND_MS });
    server = await framework.start(fixture);
  });
  afterAll(async () => {
    await server.close();
    await fixture.store.close();
  });

  it(`known vs unknown: identical replies and median durations within 10 ms over ${PAIRS} interleaved requests each`, async () => {
    const result = await measure(fixture, server, `pad_${framework.name}`, CONCURRENCY);
    const reference = result.knownReplies[0]!;
    for (const reply of [...result.knownReplies, ...result.unknownReplies]) {
      expect(reply.status).toBe(202);
      expect(reply.text).toBe(reference.text);
      expect(headersWithoutDate(reply.headers)).toEqual(headersWithoutDate(reference.headers));
    }
    expect(reference.json()).toEqual(RESET_REQUEST_ACCEPTED);
    const diff = Math.abs(result.knownMedian - result.unknownMedian);
    console.log(
      `[enumeration] ${framework.name} padded (250 ms, send ${SEND_MS} ms, ${CONCURRENCY} in flight): ` +
        `median known ${result.knownMedian.toFixed(2)} ms, unknown ${result.unknownMedian.toFixed(2)} ms, diff ${diff.toFixed(2)} ms`,
    );
    expect(diff).toBeLessThan(10);
    expect(result.knownMedian).toBeGreaterThanOrEqual(250);
    // The known addresses really did get their (slow) e-mails.
    await eventually(() => fixture.outbox.filter((m) => m.email.startsWith(`pad_${framework.name}.`)).length === PAIRS, 5000);
    expect(fixture.errors).toEqual([]);
  });

  it('without padding, the 50 ms send is still off the response path (no timing gap)', async () => {
    const bare = createFixture({ sendDelayMs: SEND_MS, reset: { minDuration: 0 } });
    const bareServer = await framework.start(bare);
    try {
      const result = await measure(bare, bareServer, `bare_${framework.name}`, 1);
      const diff = Math.abs(result.knownMedian - result.unknownMedian);
      console.log(
        `[enumeration] ${framework.name} unpadded (send ${SEND_MS} ms, sequential): ` +
          `median known ${result.knownMedian.toFixed(2)} ms, unknown ${result.unknownMedian.toFixed(2)} ms, diff ${diff.toFixed(2)} ms`,
      );
      expect(diff).toBeLessThan(10);
      expect(result.knownMedian).toBeLessThan(SEND_MS);
      await eventually(() => bare.outbox.length === PAIRS, 5000);
    } finally {
      await bareServer.close();
      await bare.store.close();
    }
  });
});
