import { Invitations } from '@tokenkit/core';
import { afterAll, describe, expect, it } from 'vitest';
import { appStore, cli, listKeys, oneLine, redisSandbox, SECRET } from './helpers.js';

const sandbox = redisSandbox();
const { env, flags } = sandbox;
const CODE = /^inv_[0-9A-Za-z]{48}$/;

interface Created {
  code: string;
  invitation: { id: string; status: string; [k: string]: unknown };
}

async function create(...extra: string[]): Promise<Created> {
  const r = await cli(['invite', 'create', ...flags, '--json', ...extra], env);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Created;
}

const listJson = async (...extra: string[]) => {
  const r = await cli(['invite', 'list', ...flags, '--json', ...extra], env);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as { id: string; status: string }[];
};

afterAll(async () => {
  await sandbox.cleanup();
  expect(await listKeys(sandbox.prefix)).toEqual([]);
});

describe('invite create / list / revoke / stats', () => {
  it('an empty sandbox has zero stats and no invitations', async () => {
    const stats = await cli(['invite', 'stats', ...flags], env);
    expect(stats.code).toBe(0);
    expect(stats.stdout).toBe('active     0\nexhausted  0\nexpired    0\nrevoked    0\ntotal      0\n');
    const list = await cli(['invite', 'list', ...flags], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toBe('No invitations.\n');
  });

  it('create prints the code once and a record with every option applied', async () => {
    const before = Date.now();
    const { code, invitation } = await create(
      '--by', 'admin-1', '--role', 'editor', '--max-uses', '3', '--expires', '72h', '--email', ' Ann@Example.COM ',
    );
    expect(code).toMatch(CODE);
    expect(invitation).toMatchObject({
      createdBy: 'admin-1',
      role: 'editor',
      maxUses: 3,
      uses: 0,
      usedBy: [],
      email: 'ann@example.com',
      status: 'active',
      revokedAt: null,
    });
    expect(invitation.expiresAt as number).toBeGreaterThanOrEqual(before + 72 * 3_600_000);
    expect(invitation.expiresAt as number).toBeLessThanOrEqual(Date.now() + 72 * 3_600_000);

    const human = await cli(['invite', 'create', '--by', 'admin-1', ...flags], env);
    expect(human.code).toBe(0);
    expect(human.stdout.split('\n')[0]).toMatch(CODE);
    expect(human.stdout).toContain('only time the code is shown');
    expect(human.stdout).toMatch(/role\s+member\n/);
    expect(human.stdout).toMatch(/uses\s+0 of 1\n/);
    expect(human.stdout).toMatch(/email\s+any\n/);
  });

  it('list filters by creator and status; revoke changes the status; stats count it', async () => {
    const a = await create('--by', 'admin-2', '--role', 'viewer');
    const b = await create('--by', 'admin-2');
    const c = await create('--by', 'admin-3');

    const byAdmin2 = await listJson('--by', 'admin-2');
    expect(byAdmin2.map((i) => i.id).sort()).toEqual([a.invitation.id, b.invitation.id].sort());

    const table = await cli(['invite', 'list', '--by', 'admin-2', ...flags], env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+ROLE\s+CREATED BY\s+STATUS\s+USES\s+EMAIL\s+EXPIRES$/);
    expect(lines).toHaveLength(3);
    expect(table.stdout).toMatch(new RegExp(`${a.invitation.id}\\s+viewer\\s+admin-2\\s+active\\s+0/1\\s+any\\s+\\d{4}-`));
    expect(table.stdout).not.toContain(a.code);

    const revoked = await cli(['invite', 'revoke', a.invitation.id, ...flags], env);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toMatch(new RegExp(`^Revoked invitation ${a.invitation.id} \\(role viewer, by admin-2\\) at \\d{4}-.*Z\\.\\n$`));
    const again = await cli(['invite', 'revoke', a.invitation.id, ...flags, '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ id: a.invitation.id, status: 'revoked' });

    expect((await listJson('--status', 'revoked')).map((i) => i.id)).toEqual([a.invitation.id]);
    const active = (await listJson('--status', 'active')).map((i) => i.id);
    expect(active).toContain(b.invitation.id);
    expect(active).toContain(c.invitation.id);
    expect(active).not.toContain(a.invitation.id);

    const stats = JSON.parse((await cli(['invite', 'stats', ...flags, '--json'], env)).stdout);
    // Two invitations from the previous test, three here, one revoked.
    expect(stats).toEqual({ active: 4, exhausted: 0, expired: 0, revoked: 1, total: 5 });
  });

  it('creates codes the app accepts: the library redeems them with the same secret', async () => {
    const { code, invitation } = await create('--by', 'admin-4', '--role', 'owner', '--max-uses', '2');
    const app = await appStore(sandbox.prefix);
    try {
      const invites = new Invitations({ store: app.store, secret: SECRET });
      expect(await invites.redeem(code, { userId: 'new-user' })).toMatchObject({ valid: true, invitation: { role: 'owner' } });
    } finally {
      app.close();
    }
    const [listed] = await listJson('--by', 'admin-4');
    expect(listed).toMatchObject({ id: invitation.id, uses: 1, usedBy: ['new-user'], status: 'active' });
  });

  it.each([
    [['invite', 'create'], /required option '--by <id>' not specified/],
    [['invite', 'create', '--by', 'x', '--max-uses', '0'], /--max-uses must be an integer >= 1, got "0"/],
    [['invite', 'create', '--by', 'x', '--max-uses', 'many'], /--max-uses must be an integer/],
    [['invite', 'create', '--by', 'x', '--expires', '3 weeks'], /--expires must be a duration/],
    [['invite', 'create', '--by', 'x', '--email', '  '], /email must be a non-empty string/],
    [['invite', 'create', '--by', 'x', '--role', ''], /role must be a non-empty string/],
    [['invite', 'list', '--status', 'pending'], /argument 'pending' is invalid. Allowed choices are active, exhausted, expired, revoked/],
    [['invite', 'revoke'], /missing required argument 'id'/],
    [['invite', 'revoke', 'ZZZZZZZZZZ'], /^tokenkit: no invitation with id "ZZZZZZZZZZ"$/],
    [['invite', 'stats', 'extra'], /too many arguments/],
  ])('%j → exit 1 with one line', async (argv, message) => {
    const r = await cli([...argv, ...flags], env);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(oneLine(r.stderr)).toMatch(message);
  });
});
