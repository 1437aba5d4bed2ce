import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ConflictError,
  InvalidArgumentError,
  StoreUnavailableError,
  TokenkitError,
  isStoreUnavailableError,
  isTokenkitError,
} from './errors.js';

describe('errors', () => {
  it('carry a literal code, a name and retryable', () => {
    const cause = new Error('ECONNREFUSED');
    const store = new StoreUnavailableError('redis down', { cause });
    expect(store).toBeInstanceOf(TokenkitError);
    expect(store).toBeInstanceOf(Error);
    expect(store).toMatchObject({ name: 'StoreUnavailableError', code: 'STORE_UNAVAILABLE', retryable: true, retryAfterMs: 1000, cause, message: 'redis down' });
    expect(new StoreUnavailableError('x', { retryAfterMs: 250 }).retryAfterMs).toBe(250);
    expect(new ConfigError('bad')).toMatchObject({ name: 'ConfigError', code: 'CONFIG_INVALID', retryable: false });
    expect(new InvalidArgumentError('bad')).toMatchObject({ name: 'InvalidArgumentError', code: 'INVALID_ARGUMENT', retryable: false });
    expect('cause' in new ConfigError('no cause')).toBe(false);
    expect(new ConflictError('raced')).toMatchObject({ name: 'ConflictError', code: 'CONFLICT', retryable: false });
    expect(isTokenkitError(new ConflictError('raced'))).toBe(true);
  });

  it('are recognised by code, also when they come from another copy of the package (ESM + CJS)', () => {
    class ForeignError extends Error {
      code = 'STORE_UNAVAILABLE';
    }
    expect(isTokenkitError(new ForeignError('x'))).toBe(true);
    expect(isStoreUnavailableError(new ForeignError('x'))).toBe(true);
    expect(isTokenkitError(new ConfigError('x'))).toBe(true);
    expect(isStoreUnavailableError(new ConfigError('x'))).toBe(false);
    expect(isTokenkitError({ code: 'STORE_UNAVAILABLE', message: 'plain object' })).toBe(false);
    expect(isTokenkitError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
    expect(isTokenkitError(null)).toBe(false);
    expect(isTokenkitError('STORE_UNAVAILABLE')).toBe(false);
  });
});
