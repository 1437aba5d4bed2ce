import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';

describe('loadConfig', () => {
  it('defaults: given port, memory store, generated secret', () => {
    const config = loadConfig({}, 3000);
    expect(config).toMatchObject({ port: 3000, redisUrl: null, secretSource: 'generated', baseUrl: null });
    expect(config.secret.length).toBeGreaterThanOrEqual(32);
  });

  it('reads PORT, REDIS_URL, TOKENKIT_SECRET and APP_URL', () => {
    const config = loadConfig(
      { PORT: '8080', REDIS_URL: 'redis://r:6379', TOKENKIT_SECRET: 's'.repeat(32), APP_URL: 'https://app.example.com/ignored' },
      3000,
    );
    expect(config).toMatchObject({ port: 8080, redisUrl: 'redis://r:6379', secretSource: 'env', baseUrl: 'https://app.example.com' });
  });

  it('rejects bad values with a message that says what to do', () => {
    expect(() => loadConfig({ PORT: '70000' }, 3000)).toThrow(/PORT must be an integer/);
    expect(() => loadConfig({ TOKENKIT_SECRET: 'short' }, 3000)).toThrow(/at least 32 characters/);
    expect(() => loadConfig({ APP_URL: 'app.example.com' }, 3000)).toThrow(/APP_URL must be an absolute/);
  });
});
