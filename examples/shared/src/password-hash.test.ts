import { describe, expect, it } from 'vitest';
import { hashPassword, verifyPassword } from './password-hash.js';

const cheap = { logN: 10, r: 8, p: 1 };

describe('scrypt password hashes', () => {
  it('verifies the right password only', async () => {
    const stored = await hashPassword('correct horse battery', cheap);
    expect(stored).toMatch(/^scrypt\$10\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(await verifyPassword('correct horse battery', stored)).toBe(true);
    expect(await verifyPassword('correct horse batterY', stored)).toBe(false);
  });

  it('salts: the same password hashes differently', async () => {
    expect(await hashPassword('same', cheap)).not.toBe(await hashPassword('same', cheap));
  });

  it('never matches malformed or absurd hashes', async () => {
    expect(await verifyPassword('x', '')).toBe(false);
    expect(await verifyPassword('x', 'bcrypt$1$2$3$4$5')).toBe(false);
    expect(await verifyPassword('x', 'scrypt$40$8$1$AAAA$AAAA')).toBe(false);
  });

  it('uses the default (production) cost when none is given', async () => {
    expect(await hashPassword('x')).toMatch(/^scrypt\$15\$8\$1\$/);
  });
});
