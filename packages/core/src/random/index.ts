export { tokenBytes, tokenHex, tokenUrlsafe } from './tokens.js';
export { randomBelow, choice } from './random-below.js';
export { password, DEFAULT_PASSWORD_ALPHABET } from './password.js';
export type { PasswordOptions, CharacterClass } from './password.js';
export { safeEqual } from './safe-equal.js';
