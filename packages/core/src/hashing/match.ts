import { safeEqual } from '../random/safe-equal.js';

/**
 * Compares a stored hash with every candidate without short-circuiting, so
 * the time reveals neither which candidate matched nor whether any did.
 *
 * @param stored - the hash from the store
 * @param candidates - hashes of the presented credential, one per secret
 * @returns true when any candidate equals the stored hash
 */
export function matchesAnyHash(stored: string, candidates: readonly string[]): boolean {
  let matched = false;
  for (const candidate of candidates) matched = safeEqual(stored, candidate) || matched;
  return matched;
}
