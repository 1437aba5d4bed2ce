import { describe, expect, it } from 'vitest';
import { ALPHA, chiSquareCritical, chiSquareStatistic, normalQuantile, uniformity, verdict } from './stats.js';

describe('test-utils/stats', () => {
  it('normalQuantile matches standard normal tables', () => {
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(1 - 1e-3)).toBeCloseTo(3.090232, 5);
    expect(normalQuantile(1 - 1e-6)).toBeCloseTo(4.753424, 5);
    expect(normalQuantile(1e-3)).toBeCloseTo(-3.090232, 5);
    expect(() => normalQuantile(0)).toThrow(RangeError);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });

  it('Wilson–Hilferty critical values are within 1% of exact chi-square quantiles (scipy) and never below them', () => {
    // [df, alpha, exact quantile from scipy.stats.chi2.isf]
    const table: Array<[number, number, number]> = [
      [9, 1e-3, 27.877],
      [60, 1e-3, 99.607],
      [61, 1e-3, 100.888],
      [99, 1e-3, 148.23],
      [199, 1e-3, 266.386],
      [999, 1e-3, 1142.848],
      [60, 1e-6, 127.096],
      [61, 1e-6, 128.524],
      [93, 1e-6, 172.747],
      [99, 1e-6, 180.792],
      [199, 1e-6, 308.601],
      [999, 1e-6, 1226.046],
    ];
    for (const [df, alpha, exact] of table) {
      const approx = chiSquareCritical(df, alpha);
      expect(approx).toBeGreaterThanOrEqual(exact);
      expect((approx - exact) / exact).toBeLessThan(0.01);
    }
    expect(() => chiSquareCritical(0, 1e-3)).toThrow(RangeError);
  });

  it('computes Pearson statistics exactly', () => {
    expect(chiSquareStatistic([10, 10, 10], 10)).toBe(0);
    expect(chiSquareStatistic([12, 8], 10)).toBeCloseTo(0.8, 12);
    expect(chiSquareStatistic([30, 10], [20, 20])).toBeCloseTo(10, 12);
    expect(verdict(1e9, 10).uniform).toBe(false);
    expect(verdict(0, 10)).toEqual({ statistic: 0, critical: chiSquareCritical(10, ALPHA), df: 10, uniform: true });
  });

  it('uniformity() rejects a constant sampler and out-of-range samples', () => {
    expect(uniformity(10, 1000, () => 3).uniform).toBe(false);
    let i = 0;
    expect(uniformity(10, 1000, () => i++ % 10).statistic).toBe(0);
    expect(() => uniformity(10, 10, () => 10)).toThrow(RangeError);
  });
});
