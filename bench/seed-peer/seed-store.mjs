// The seed design, implemented faithfully as a peer to compare against.
//
// The tutorial this project answers issues invitation tokens with Python's
// `secrets.token_urlsafe(32)`, keeps only a hash of each token, and verifies a
// presented token by hashing it and comparing it, in constant time, with
// EVERY stored hash — the loop never exits early, so the time does not reveal
// which entry matched. Correct, but O(n): each verification touches every
// stored invitation. tokenkit puts a public id in the credential instead and
// does one keyed lookup plus one constant-time compare (O(1)).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export class SeedInvitationStore {
  /** @param {string} secret - HMAC key (the keyed variant of the seed's sha256) */
  constructor(secret) {
    this.secret = secret;
    /** @type {Array<{hash: Buffer, role: string, createdBy: string, expiresAt: number, uses: number, maxUses: number}>} */
    this.entries = [];
  }

  /** @param {string} token */
  hash(token) {
    return createHmac('sha256', this.secret).update(token).digest();
  }

  /**
   * @param {{createdBy: string, role?: string, maxUses?: number, ttlMs?: number}} options
   * @returns {string} the token, shown once
   */
  create({ createdBy, role = 'member', maxUses = 1, ttlMs = 7 * 86_400_000 }) {
    const token = randomBytes(32).toString('base64url');
    this.entries.push({ hash: this.hash(token), role, createdBy, expiresAt: Date.now() + ttlMs, uses: 0, maxUses });
    return token;
  }

  /**
   * Non-consuming check: hash the presented token, compare it with every entry.
   * @param {string} token
   */
  check(token) {
    const presented = this.hash(String(token));
    let found;
    for (const entry of this.entries) {
      // timingSafeEqual on every entry, no `break`: constant time in the match position.
      if (timingSafeEqual(entry.hash, presented)) found = entry;
    }
    if (!found) return { valid: false, code: 'NOT_FOUND' };
    if (Date.now() >= found.expiresAt) return { valid: false, code: 'EXPIRED' };
    if (found.uses >= found.maxUses) return { valid: false, code: 'EXHAUSTED' };
    return { valid: true, role: found.role };
  }
}
