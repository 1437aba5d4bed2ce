import { createHmac } from 'node:crypto';

/**
 * HMAC-SHA256 of `value` under the app secret, separated by `purpose` so a
 * value hashed for one use (a throttle key) never equals one made for another
 * (a CSRF token). base64url, 43 characters.
 */
export function keyedHash(secret: string, purpose: string, value: string): string {
  return createHmac('sha256', secret).update(`${purpose}\u0000${value}`).digest('base64url');
}

/** The secret that signs new values: the first of a rotation list. */
export function signingSecret(secret: string | readonly string[]): string {
  const first = typeof secret === 'string' ? secret : secret[0];
  if (!first) throw new Error('the example needs a secret');
  return first;
}
