import { randomBelow } from './random-below.js';

/** Character classes `password` can require. */
export type CharacterClass = 'upper' | 'lower' | 'digit' | 'symbol';

/** Options of {@link password}. */
export interface PasswordOptions {
  /** Total length (default 20). */
  length?: number | undefined;
  /** Characters to draw from (default: letters, digits and ASCII punctuation). */
  alphabet?: string | undefined;
  /**
   * Classes that must appear at least once. Default: every class the alphabet
   * contains (all four for the default alphabet); `[]` = plain uniform draw.
   */
  require?: readonly CharacterClass[] | undefined;
  /** Characters removed from the alphabet, e.g. ambiguous ones like `'Il1O0'`. */
  exclude?: string | undefined;
}

const CLASSES: Record<CharacterClass, string> = {
  upper: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ',
  lower: 'abcdefghijklmnopqrstuvwxyz',
  digit: '0123456789',
  symbol: '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
};

/** The default alphabet: letters, digits and the 32 ASCII punctuation characters. */
export const DEFAULT_PASSWORD_ALPHABET = CLASSES.upper + CLASSES.lower + CLASSES.digit + CLASSES.symbol;

const MAX_LENGTH = 1024 * 1024;

/**
 * Random password. Each required class contributes one character drawn from
 * its members in the alphabet, the rest is drawn uniformly from the whole
 * alphabet, then a Fisher–Yates shuffle driven by {@link randomBelow} places
 * them (a sort with random keys would be biased).
 *
 * @param opts - length, alphabet, required classes, excluded characters
 * @returns the password
 * @throws TypeError/RangeError for a bad length, an empty alphabet, or more
 *   required classes than the length or the alphabet can satisfy
 * @example
 * ```ts
 * password()                                   // 20 chars, all four classes
 * password({ length: 12, exclude: 'Il1O0' })   // no ambiguous characters
 * password({ require: [], alphabet: '0123456789' })
 * ```
 */
export function password(opts: PasswordOptions = {}): string {
  const length = opts.length ?? 20;
  if (typeof length !== 'number' || !Number.isInteger(length)) {
    throw new TypeError(`password: length must be an integer, got ${String(length)}`);
  }
  if (length < 1 || length > MAX_LENGTH) {
    throw new RangeError(`password: length must be between 1 and ${MAX_LENGTH}, got ${length}`);
  }
  const { alphabet, pools } = planFor(opts);
  if (pools.length > length) {
    throw new RangeError(`password: length ${length} is smaller than the ${pools.length} required classes`);
  }
  const chars: string[] = new Array(length);
  let i = 0;
  for (const pool of pools) chars[i++] = pool[randomBelow(pool.length)]!;
  for (; i < length; i++) chars[i] = alphabet[randomBelow(alphabet.length)]!;
  for (let j = length - 1; j > 0; j--) {
    const k = randomBelow(j + 1);
    const tmp = chars[j]!;
    chars[j] = chars[k]!;
    chars[k] = tmp;
  }
  return chars.join('');
}

/** The alphabet and required-class pools one set of options resolves to. */
interface Plan {
  alphabet: string[];
  pools: string[][];
}

/**
 * Resolved plans by options. Resolving (dedupe, exclude, class pools) costs
 * more than drawing a 20-character password, and callers nearly always pass
 * the same options, so successful resolutions are kept; bad options are
 * re-checked (and throw) on every call. Bounded: cleared when full.
 */
const plans = new Map<string, Plan>();
const MAX_PLANS = 64;

function planFor(opts: PasswordOptions): Plan {
  const { alphabet, exclude, require } = opts;
  // Only plain string/array-of-string options get a key: anything else takes
  // the uncached path, so every odd input meets exactly the old checks.
  const cacheable =
    (alphabet === undefined || typeof alphabet === 'string') &&
    (exclude === undefined || typeof exclude === 'string') &&
    (require === undefined || (Array.isArray(require) && require.every((c) => typeof c === 'string')));
  if (!cacheable) return buildPlan(opts);
  const key = JSON.stringify([alphabet ?? null, exclude ?? null, require ?? null]);
  let plan = plans.get(key);
  if (plan === undefined) {
    plan = buildPlan(opts);
    if (plans.size >= MAX_PLANS) plans.clear();
    plans.set(key, plan);
  }
  return plan;
}

function buildPlan(opts: PasswordOptions): Plan {
  const alphabetSource = opts.alphabet ?? DEFAULT_PASSWORD_ALPHABET;
  if (typeof alphabetSource !== 'string') throw new TypeError('password: alphabet must be a string');
  const exclude = new Set(Array.from(opts.exclude ?? ''));
  const alphabet = Array.from(new Set(Array.from(alphabetSource))).filter((ch) => !exclude.has(ch));
  if (alphabet.length === 0) {
    throw new RangeError('password: the alphabet is empty (after removing `exclude`)');
  }
  // Default: every class the alphabet has, so a custom alphabet never throws by default.
  const required =
    opts.require ??
    (Object.keys(CLASSES) as CharacterClass[]).filter((cls) => alphabet.some((ch) => CLASSES[cls].includes(ch)));
  if (!Array.isArray(required)) throw new TypeError('password: require must be an array of classes');
  const pools: string[][] = [];
  for (const cls of new Set(required)) {
    const members = Object.hasOwn(CLASSES, cls) ? CLASSES[cls as CharacterClass] : undefined;
    if (members === undefined) {
      throw new TypeError(`password: unknown class ${JSON.stringify(cls)} (use upper, lower, digit, symbol)`);
    }
    const inAlphabet = alphabet.filter((ch) => members.includes(ch));
    if (inAlphabet.length === 0) {
      throw new RangeError(`password: class '${cls}' is required but the alphabet has none of its characters`);
    }
    pools.push(inAlphabet);
  }
  return { alphabet, pools };
}
