import { randomUUID } from 'node:crypto';
import { DEFAULT_COST, hashPassword, type ScryptCost, verifyPassword } from './password-hash.js';

export interface User {
  id: string;
  email: string;
  name: string;
  /** `admin` may create invitations; other roles come from accepted invitations. */
  role: string;
  createdAt: number;
}

interface StoredUser extends User {
  passwordHash: string;
}

export const MIN_PASSWORD_LENGTH = 10;
const MAX_PASSWORD_LENGTH = 200;

/** Returns a message for a password the app refuses, or null when it is acceptable. */
export function passwordProblem(password: string): string | null {
  if (password.length < MIN_PASSWORD_LENGTH) return `Use at least ${MIN_PASSWORD_LENGTH} characters.`;
  if (password.length > MAX_PASSWORD_LENGTH) return `Use at most ${MAX_PASSWORD_LENGTH} characters.`;
  return null;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * The example's user table: in memory (also when tokenkit state is in Redis —
 * users are the host app's business, not tokenkit's). Passwords are scrypt
 * hashes; nothing outside this class ever sees one.
 */
export class UserStore {
  private readonly byId = new Map<string, StoredUser>();
  private readonly idByEmail = new Map<string, string>();
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly cost: ScryptCost = DEFAULT_COST) {}

  async create(input: { email: string; name: string; password: string; role?: string; id?: string }): Promise<User> {
    const email = normalizeEmail(input.email);
    const passwordHash = await hashPassword(input.password, this.cost);
    // Checked after the (slow, async) hash: two parallel sign-ups with one address both
    // passed a check made before it and both got an account.
    if (this.idByEmail.has(email)) throw new Error(`a user with e-mail ${email} already exists`);
    const user: StoredUser = {
      id: input.id ?? `u_${randomUUID().slice(0, 8)}`,
      email,
      name: input.name.trim() || email,
      role: input.role ?? 'member',
      createdAt: Date.now(),
      passwordHash,
    };
    this.byId.set(user.id, user);
    this.idByEmail.set(email, user.id);
    return toUser(user);
  }

  get(id: string): User | null {
    const user = this.byId.get(id);
    return user ? toUser(user) : null;
  }

  findByEmail(email: string): User | null {
    const id = this.idByEmail.get(normalizeEmail(email));
    return id ? this.get(id) : null;
  }

  /**
   * @returns the user when e-mail and password match. Unknown e-mails still
   *   run one scrypt so response time does not reveal which accounts exist.
   */
  async authenticate(email: string, password: string): Promise<User | null> {
    const id = this.idByEmail.get(normalizeEmail(email));
    const user = id ? this.byId.get(id) : undefined;
    if (!user) {
      this.dummyHash ??= hashPassword('not-a-real-password', this.cost);
      await verifyPassword(password, await this.dummyHash);
      return null;
    }
    return (await verifyPassword(password, user.passwordHash)) ? toUser(user) : null;
  }

  async setPassword(id: string, password: string): Promise<void> {
    const user = this.byId.get(id);
    if (!user) throw new Error(`no user ${id}`);
    user.passwordHash = await hashPassword(password, this.cost);
  }

  /** Deletes an account (a sign-up rolled back because its invitation could not be redeemed). */
  remove(id: string): boolean {
    const user = this.byId.get(id);
    if (!user) return false;
    this.byId.delete(id);
    this.idByEmail.delete(user.email);
    return true;
  }

  setRole(id: string, role: string): void {
    const user = this.byId.get(id);
    if (user) user.role = role;
  }

  list(): User[] {
    return [...this.byId.values()].map(toUser);
  }
}

function toUser({ passwordHash: _, ...user }: StoredUser): User {
  return user;
}
