import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiKeys } from './api-keys/index.js';
import { warningEnabled } from './events.js';
import { createInvitationFlow } from './http/invitation-routes/index.js';
import { neutralRequest } from './http/testing/neutral-request.js';
import { Invitations } from './invitations/index.js';
import { MemoryStore } from './store/memory-store.js';

const secret = 'unit-test-secret-0123456789abcdefghij';

describe('validate: opting out of TokenkitWarnings', () => {
  let warnings: string[] = [];
  const onWarning = (warning: Error & { code?: string }) => warnings.push(warning.code ?? '');
  beforeEach(() => {
    warnings = [];
    process.on('warning', onWarning);
  });
  afterEach(() => {
    process.off('warning', onWarning);
  });
  const settle = () => new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick

  it('warningEnabled: undefined/true keep all, false silences all, a map silences the codes set to false', () => {
    expect(warningEnabled(undefined, 'TOKENKIT_NO_SECRET')).toBe(true);
    expect(warningEnabled(true, 'TOKENKIT_NO_SECRET')).toBe(true);
    expect(warningEnabled(false, 'TOKENKIT_NO_SECRET')).toBe(false);
    expect(warningEnabled({ TOKENKIT_NO_SECRET: false }, 'TOKENKIT_NO_SECRET')).toBe(false);
    expect(warningEnabled({ TOKENKIT_NO_SECRET: false }, 'TOKENKIT_UNUSABLE_USER')).toBe(true);
    expect(warningEnabled({ TOKENKIT_NO_SECRET: true }, 'TOKENKIT_NO_SECRET')).toBe(true);
  });

  it('managers: validate false / { TOKENKIT_NO_SECRET: false } silence the missing-secret warning; without it, it is emitted once', async () => {
    new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), validate: false });
    new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }), validate: { TOKENKIT_NO_SECRET: false } });
    await settle();
    expect(warnings).toEqual([]);
    new ApiKeys({ store: new MemoryStore({ sweepIntervalMs: 0 }) });
    await settle();
    expect(warnings).toEqual(['TOKENKIT_NO_SECRET']);
  });

  it('invitationRoutes: validate silences TOKENKIT_UNUSABLE_USER (the 401 stays)', async () => {
    const invites = new Invitations({ store: new MemoryStore({ sweepIntervalMs: 0 }), secret });
    const request = () =>
      neutralRequest({ method: 'POST', path: '/accept', headers: { 'content-type': 'application/json' }, raw: '{"code":"inv_x"}' });
    for (const validate of [false, { TOKENKIT_UNUSABLE_USER: false }] as const) {
      const handle = createInvitationFlow({ invites, getUser: () => ({ id: '' }), validate });
      expect((await handle(request()))?.status).toBe(401);
    }
    await settle();
    expect(warnings).toEqual([]);
    const loud = createInvitationFlow({ invites, getUser: () => ({ id: '' }) });
    expect((await loud(request()))?.status).toBe(401);
    await settle();
    expect(warnings).toEqual(['TOKENKIT_UNUSABLE_USER']);
  });
});
