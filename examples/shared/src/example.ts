import { ApiKeys, Invitations, ResetTokens, type Store } from '@tokenkit/core';
import { AnonState } from './anon.js';
import { signingSecret } from './keyed.js';
import { NoteStore } from './notes.js';
import { Outbox } from './outbox.js';
import type { ScryptCost } from './password-hash.js';
import { SessionStore } from './sessions.js';
import { UserStore } from './users.js';

/** Where things live. The tokenkit routers get their own prefixes so they never shadow a page. */
export const PATHS = {
  /** resetRoutes: POST /request, GET /:token, POST /confirm */
  resetBase: '/auth/reset',
  /** formPath: the "set new password" page the e-mailed link redirects to. */
  resetForm: '/password/reset',
  /** invitationRoutes: GET /:code, POST /accept */
  inviteBase: '/invitations',
  /**
   * acceptPath: the "accept invitation" page. It is the mount path itself
   * (the routes own only `/:code` and `/accept` below it), so the invitation
   * cookie — Path = the mount path — reaches this page and the accept POST.
   */
  acceptPage: '/invitations',
  /** Where a new member lands after accepting. */
  welcome: '/welcome',
} as const;

/** Scopes a user can give an API key, and what the example's JSON API needs. */
export const API_SCOPES = ['read', 'write'] as const;
/** Roles an admin can hand out with an invitation. */
export const ROLES = ['member', 'editor', 'admin'] as const;

export interface ExampleOptions {
  store: Store;
  secret: string | readonly string[];
  /** Public origin for links in e-mails (never taken from a request's Host header). */
  baseUrl: string;
  log?: (line: string) => void;
  /** Lower scrypt cost in tests; the default is production-grade. */
  scryptCost?: ScryptCost;
  /** Serve /dev/outbox (default true; the start script turns it off when NODE_ENV=production). */
  devOutbox?: boolean;
}

/** Everything the two apps share: tokenkit managers plus the host app's own state. */
export interface Example {
  baseUrl: string;
  store: Store;
  apiKeys: ApiKeys;
  resets: ResetTokens;
  invites: Invitations;
  users: UserStore;
  sessions: SessionStore;
  /** CSRF and flash state of visitors who are not signed in: in their cookies, not on the server. */
  anon: AnonState;
  /** Signs the app's own values (CSRF tokens, flash cookies, throttle keys). */
  secret: string;
  outbox: Outbox;
  notes: NoteStore;
  devOutbox: boolean;
  log: (line: string) => void;
}

export function createExample(options: ExampleOptions): Example {
  const { store, secret } = options;
  const log = options.log ?? (() => {});
  const baseUrl = new URL(options.baseUrl).origin;
  const secure = baseUrl.startsWith('https:');
  const appSecret = signingSecret(secret);
  return {
    baseUrl,
    store,
    apiKeys: new ApiKeys({ store, secret, prefix: 'sk' }),
    resets: new ResetTokens({ store, secret, ttl: '1h', onIssue: 'revoke-previous' }),
    invites: new Invitations({ store, secret, ttl: '7d' }),
    users: new UserStore(options.scryptCost),
    sessions: new SessionStore({ secure }),
    anon: new AnonState(appSecret, secure),
    secret: appSecret,
    outbox: new Outbox(50, log),
    notes: new NoteStore(),
    devOutbox: options.devOutbox ?? true,
    log,
  };
}

/** Name of the invitation-link cookie; the apps pass it to invitationRoutes and the accept page reads it. */
export const INVITE_COOKIE = 'tokenkit_invite';
