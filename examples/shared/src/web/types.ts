import type { Html } from '../html/escape.js';
import type { Example } from '../example.js';
import type { Reveal, Session } from '../sessions.js';
import type { User } from '../users.js';

/** What the framework glue (Express or Koa) hands to a page: already parsed. */
export interface WebRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  cookieHeader: string | undefined;
  /** `Sec-Fetch-Site` request header: `cross-site` for navigations from another site. */
  fetchSite: string | undefined;
  /** `Origin` and `Referer` request headers: forwarded to tokenkit's flows, which check them against the app's origin. */
  origin: string | undefined;
  referer: string | undefined;
  /** Parsed urlencoded body of a POST (empty for GET). */
  form: Record<string, unknown>;
  /** Address of the TCP peer — not a forwarded header, which any client can write. */
  remoteAddress: string | undefined;
}

/** What the glue writes back. */
export interface WebResponse {
  status: number;
  headers: Record<string, string>;
  /** Complete Set-Cookie values. */
  cookies: string[];
  body: string;
}

/** A page to render or a redirect (303); `cookies` are extra Set-Cookie values (e.g. clearing a token cookie). */
export type PageResult =
  | { title: string; body: Html; status?: number; narrow?: boolean; cookies?: string[] }
  | { redirect: string; cookies?: string[] };

/** Who may open a page: anyone, signed-in users, or admins. */
export type Access = 'public' | 'user' | 'admin';

export interface PageContext {
  req: WebRequest;
  app: Example;
  /** Only signed-in users have a session. */
  session: Session | null;
  user: User | null;
  /** CSRF token to embed in forms. */
  csrf: string;
  signIn(user: User): void;
  signOut(): void;
  /** A message for the next page shown (kept in a signed cookie across the redirect). */
  flash(kind: 'ok' | 'error' | 'info', text: string): void;
  /** A one-time secret for the next page of this signed-in user (kept in the session, never in a cookie). */
  reveal(reveal: Reveal): void;
  /** The one-time secret to show on this page, removed from the session. */
  takeReveal(): Reveal | null;
}

/** A page in the framework-neutral route table both apps mount. */
export interface Route {
  method: 'GET' | 'POST';
  path: string;
  access: Access;
  handle(ctx: PageContext): PageResult | Promise<PageResult>;
}

/** Signed-in page context. */
export type UserContext = PageContext & { user: User; session: Session };

export function field(form: Record<string, unknown>, name: string, max = 500): string {
  const value = form[name];
  return typeof value === 'string' ? value.slice(0, max) : '';
}
