export { KeyedHasher, MIN_SECRET_LENGTH } from './keyed-hash.js';
export { matchesAnyHash } from './match.js';
