import { StoreUnavailableError } from '@tokenkit/core';
import { describe, expect, it, vi } from 'vitest';
import { Deadlines } from './guard.js';

const never = () => new Promise<never>(() => {});
const later = <T>(value: T, ms: number) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('Deadlines', () => {
  it('settles with the value, and turns errors and throws into StoreUnavailableError', async () => {
    const deadlines = new Deadlines(1000);
    await expect(deadlines.run('get', () => Promise.resolve(42))).resolves.toBe(42);
    await expect(deadlines.run('get', () => Promise.reject(new Error('READONLY')))).rejects.toThrow(
      new StoreUnavailableError('Redis get failed: READONLY'),
    );
    await expect(
      deadlines.run('get', () => {
        throw new Error('stream not writeable');
      }),
    ).rejects.toBeInstanceOf(StoreUnavailableError);
    const own = new StoreUnavailableError('already one');
    await expect(deadlines.run('get', () => Promise.reject(own))).rejects.toBe(own);
  });

  it('rejects an operation that never answers at its deadline, while later ones still succeed', async () => {
    const deadlines = new Deadlines(150);
    const started = Date.now();
    const stuck = deadlines.run('use', never).catch((err: unknown) => ({ err, after: Date.now() - started }));
    const fast = await Promise.all([deadlines.run('get', () => later('a', 10)), deadlines.run('get', () => later('b', 20))]);
    expect(fast).toEqual(['a', 'b']);
    const { err, after } = (await stuck) as { err: StoreUnavailableError; after: number };
    expect(err).toBeInstanceOf(StoreUnavailableError);
    expect(err.message).toBe('Redis did not answer use within 150 ms');
    expect(err.retryAfterMs).toBe(1000);
    expect(after).toBeGreaterThanOrEqual(145);
    expect(after).toBeLessThan(400);
  });

  it('each stuck operation gets its own full timeout, also when it starts after others settled', async () => {
    const deadlines = new Deadlines(120);
    const t0 = Date.now();
    const first = deadlines.run('a', never).catch(() => Date.now() - t0);
    await later(null, 60);
    const second = deadlines.run('b', never).catch(() => Date.now() - t0);
    await expect(deadlines.run('c', () => later('ok', 5))).resolves.toBe('ok');
    const [a, b] = await Promise.all([first, second]);
    expect(a).toBeGreaterThanOrEqual(115);
    expect(b).toBeGreaterThanOrEqual(175);
    expect(b - a).toBeGreaterThanOrEqual(40);
    // A late answer after the timeout is ignored: no unhandled rejection, no double settle.
    let answer!: (v: string) => void;
    const late = deadlines.run('d', () => new Promise<string>((resolve) => (answer = resolve)));
    await expect(late).rejects.toBeInstanceOf(StoreUnavailableError);
    answer('too late');
  });

  it('keeps only in-flight work: thousands of quick operations leave nothing queued', async () => {
    const deadlines = new Deadlines(1000);
    for (let round = 0; round < 5; round++) {
      await Promise.all(Array.from({ length: 2000 }, (_, i) => deadlines.run('get', () => Promise.resolve(i))));
    }
    expect((deadlines as unknown as { queue: unknown[] }).queue).toHaveLength(0);
  });
  it('a then-step runs inside the race: its value or promise is the result, its throw or rejection fails closed', async () => {
    const deadlines = new Deadlines(1000);
    await expect(deadlines.run('get', () => Promise.resolve('v1'), (v) => `${v}!`)).resolves.toBe('v1!');
    await expect(deadlines.run('get', () => Promise.resolve(2), (n) => later(n * 2, 5))).resolves.toBe(4);
    const thrown = deadlines.run('use', () => Promise.resolve('x'), () => {
      throw new Error('bad reply');
    });
    await expect(thrown).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'Redis use failed: bad reply' });
    const rejected = deadlines.run('use', () => Promise.resolve('x'), () => Promise.reject(new Error('script gone')));
    await expect(rejected).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE', message: 'Redis use failed: script gone' });
    // The step never runs for a timed-out operation.
    const short = new Deadlines(50);
    let ran = false;
    let answer!: (v: string) => void;
    const late = short.run('get', () => new Promise<string>((resolve) => (answer = resolve)), () => {
      ran = true;
    });
    await expect(late).rejects.toBeInstanceOf(StoreUnavailableError);
    answer('too late');
    await later(null, 10);
    expect(ran).toBe(false);
  });

  it('a wall-clock jump backwards does not stretch a timeout (deadlines are monotonic)', async () => {
    const deadlines = new Deadlines(100);
    const started = performance.now();
    const jump = vi.spyOn(Date, 'now').mockImplementation(() => 0);
    try {
      await expect(deadlines.run('get', never)).rejects.toBeInstanceOf(StoreUnavailableError);
    } finally {
      jump.mockRestore();
    }
    expect(performance.now() - started).toBeLessThan(400);
  });
});
