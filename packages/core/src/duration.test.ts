import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';
import { ConfigError } from './errors.js';

describe('parseDuration', () => {
  it.each<[number | string, number]>([
    [0, 0],
    [1500, 1500],
    [1500.9, 1500],
    ['500ms', 500],
    ['30s', 30_000],
    ['15m', 900_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['7d', 604_800_000],
    [' 72h ', 259_200_000],
    ['10 m', 600_000],
    ['0s', 0],
  ])('%j -> %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
  });

  it.each([-1, Number.NaN, Number.POSITIVE_INFINITY, '', '15', 'm', '-5m', '1w', '1H', '1e3ms', 'soon'])('rejects %j with ConfigError', (input) => {
    expect(() => parseDuration(input as string, 'ttl')).toThrow(ConfigError);
    expect(() => parseDuration(input as string, 'ttl')).toThrow(/^ttl must be /);
  });

  it('names the option and the accepted forms in the message', () => {
    expect(() => parseDuration('soon', 'Invitations: ttl')).toThrow(
      `Invitations: ttl must be milliseconds or a string like '500ms', '30s', '15m', '1h', '7d'; got "soon"`,
    );
    expect(() => parseDuration(-5)).toThrow("duration must be a non-negative number of milliseconds or a string like '15m'; got -5");
  });
});
