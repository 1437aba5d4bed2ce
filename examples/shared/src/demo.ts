import { password } from '@tokenkit/core';
import type { Example } from './example.js';
import type { User } from './users.js';

export interface DemoAccount {
  user: User;
  password: string;
}

export interface Demo {
  admin: DemoAccount;
  member: DemoAccount;
  /** A ready API key of the member, scopes read + write. */
  apiKey: string;
}

/**
 * Seeds an admin and a member with known passwords and gives the member an
 * API key, so the start-up banner can print everything needed to try the app.
 * Fixed user ids keep Redis-stored keys attached to the same users across restarts.
 */
export async function seedDemo(app: Example, fixedPassword: string | null): Promise<Demo> {
  // Letters and digits only: easy to copy from a terminal, still ~95 bits at 16 characters.
  const make = () => fixedPassword ?? password({ length: 16, alphabet: 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789', require: ['upper', 'lower', 'digit'] });
  const adminPassword = make();
  const memberPassword = make();
  const admin = await app.users.create({ id: 'u_admin', email: 'admin@example.com', name: 'Ada Admin', password: adminPassword, role: 'admin' });
  const member = await app.users.create({ id: 'u_alice', email: 'alice@example.com', name: 'Alice', password: memberPassword, role: 'member' });
  const { key } = await app.apiKeys.create({ ownerId: member.id, name: 'demo key (start-up)', scopes: ['read', 'write'], expiresIn: '7d' });
  return { admin: { user: admin, password: adminPassword }, member: { user: member, password: memberPassword }, apiKey: key };
}

/** The start-up banner: everything a new user needs to try all three flows. */
export function banner(input: {
  framework: string;
  url: string;
  store: string;
  demo: Demo;
  secretGenerated: boolean;
  outbox: boolean;
  /** The server process's own id: `pnpm start` runs node as a child, and killing pnpm's PID leaves it running. */
  pid?: number;
}): string {
  const { url, demo } = input;
  const lines = [
    '',
    `tokenkit ${input.framework} example running at ${url}`,
    `  store:   ${input.store}`,
    ...(input.secretGenerated
      ? ['  secret:  TOKENKIT_SECRET not set: using a random dev secret (stored keys and links stop verifying after a restart)']
      : []),
    '',
    `  sign in: ${url}/signin`,
    `    member  ${demo.member.user.email}  password ${demo.member.password}`,
    `    admin   ${demo.admin.user.email}  password ${demo.admin.password}`,
    input.outbox ? `  outbox:  ${url}/dev/outbox   (reset and invitation e-mails land here)` : '  outbox:  off (NODE_ENV=production); e-mails are only logged',
    '',
    `  demo API key (member, scopes read+write, shown once):`,
    `    ${demo.apiKey}`,
    `  try it:`,
    `    curl -H "Authorization: Bearer ${demo.apiKey}" ${url}/api/me`,
    `    curl -X POST -H "Authorization: Bearer ${demo.apiKey}" -H "Content-Type: application/json" -d '{"text":"hello"}' ${url}/api/notes`,
    '',
    input.pid === undefined ? 'Press Ctrl+C to stop.' : `pid: ${input.pid} (Ctrl+C or kill ${input.pid} to stop)`,
    '',
  ];
  return lines.join('\n');
}
