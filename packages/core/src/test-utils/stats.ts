/**
 * Small statistics toolkit for the uniformity tests (test-only: nothing in
 * `src/index.ts` imports it, so it never reaches the build).
 */

/**
 * Inverse of the standard normal CDF (Acklam's rational approximation,
 * relative error < 1.2e-9 over the whole range).
 *
 * @param p - a probability in (0, 1)
 * @returns z such that P(Z <= z) = p
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  const tail = (q: number) =>
    (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
    ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < low) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - low) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/**
 * Upper critical value of the chi-square distribution by the Wilson–Hilferty
 * approximation: (X/df)^(1/3) is nearly normal with mean 1 - 2/(9 df) and
 * variance 2/(9 df). It errs on the high (conservative) side and
 * is within 1% of the exact quantile for df >= 9 at both alpha = 1e-3 and 1e-6.
 *
 * @param df - degrees of freedom (>= 1)
 * @param alpha - significance: probability that a true null exceeds the value
 * @returns the value a statistic must exceed to reject at `alpha`
 */
export function chiSquareCritical(df: number, alpha: number): number {
  if (!Number.isInteger(df) || df < 1) throw new RangeError(`chiSquareCritical: df must be a positive integer, got ${df}`);
  const z = normalQuantile(1 - alpha);
  const v = 2 / (9 * df);
  return df * (1 - v + z * Math.sqrt(v)) ** 3;
}

/**
 * Pearson's chi-square statistic of observed counts against expected counts.
 *
 * @param observed - counts per bin
 * @param expected - expected count per bin (a number = the same for every bin)
 * @returns the statistic sum((o - e)^2 / e)
 */
export function chiSquareStatistic(observed: ArrayLike<number>, expected: number | ArrayLike<number>): number {
  let stat = 0;
  for (let i = 0; i < observed.length; i++) {
    const e = typeof expected === 'number' ? expected : expected[i]!;
    const diff = observed[i]! - e;
    stat += (diff * diff) / e;
  }
  return stat;
}

/** The significance every uniformity test in this package uses: one false alarm per million runs. */
export const ALPHA = 1e-6;

/** Outcome of a uniformity test. */
export interface UniformityVerdict {
  statistic: number;
  critical: number;
  df: number;
  /** True when the statistic stays at or below the critical value. */
  uniform: boolean;
}

/**
 * Goodness of fit of `draws` samples of `sample()` (integers in [0, bins))
 * against the uniform distribution.
 *
 * @param bins - number of possible outcomes
 * @param draws - how many samples
 * @param sample - draws one outcome
 * @returns the statistic, the critical value at {@link ALPHA}, and the verdict
 */
export function uniformity(bins: number, draws: number, sample: () => number): UniformityVerdict {
  const counts = new Float64Array(bins);
  for (let i = 0; i < draws; i++) {
    const value = sample();
    if (!Number.isInteger(value) || value < 0 || value >= bins) {
      throw new RangeError(`uniformity: sample ${value} is outside [0, ${bins})`);
    }
    counts[value]!++;
  }
  return verdict(chiSquareStatistic(counts, draws / bins), bins - 1);
}

/**
 * @param statistic - a chi-square statistic
 * @param df - its degrees of freedom
 * @returns the verdict at {@link ALPHA}
 */
export function verdict(statistic: number, df: number): UniformityVerdict {
  const critical = chiSquareCritical(df, ALPHA);
  return { statistic, critical, df, uniform: statistic <= critical };
}
