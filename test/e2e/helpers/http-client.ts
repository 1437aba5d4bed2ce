/**
 * A tiny browser stand-in over fetch: a cookie jar that honours Path and
 * Max-Age (so a cookie scoped to /invitations is only sent there, as a
 * browser would), manual redirects, and helpers to read the pages.
 */
interface StoredCookie {
  value: string;
  path: string;
}

export class HttpClient {
  private readonly cookies = new Map<string, StoredCookie>();

  constructor(private readonly baseUrl: string) {}

  /** A request like a browser's: cookies attached, redirects not followed. */
  async request(path: string, init: RequestInit & { html?: boolean } = {}): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(url.pathname);
    if (cookie) headers.set('cookie', cookie);
    if (init.html) headers.set('accept', 'text/html,application/xhtml+xml');
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) this.store(line, url.pathname);
    return res;
  }

  get(path: string): Promise<Response> {
    return this.request(path, { html: true });
  }

  /** Follows 303s like a browser navigation and returns the final page. */
  async navigate(path: string): Promise<{ res: Response; url: string; body: string }> {
    let url = path;
    for (let hops = 0; hops < 5; hops++) {
      const res = await this.get(url);
      const location = res.headers.get('location');
      if (res.status >= 300 && res.status < 400 && location) {
        await res.body?.cancel();
        url = location;
        continue;
      }
      return { res, url, body: await res.text() };
    }
    throw new Error(`too many redirects from ${path}`);
  }

  /** What a browser sends as `Origin` with a POST from the app's own pages. */
  private get origin(): string {
    return new URL(this.baseUrl).origin;
  }

  /** POSTs an HTML form (urlencoded), with the page's CSRF token. */
  postForm(path: string, fields: Record<string, string>): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      html: true,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', origin: this.origin },
      body: new URLSearchParams(fields).toString(),
    });
  }

  /** POSTs JSON, as the pages' /app.js does. */
  postJson(path: string, body: unknown): Promise<Response> {
    return this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'sec-fetch-site': 'same-origin', origin: this.origin },
      body: JSON.stringify(body),
    });
  }

  has(name: string): boolean {
    return this.cookies.has(name);
  }

  private cookieHeader(requestPath: string): string {
    return [...this.cookies]
      .filter(([, c]) => pathMatches(requestPath, c.path))
      .map(([name, c]) => `${name}=${c.value}`)
      .join('; ');
  }

  private store(line: string, requestPath: string): void {
    const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq);
    const value = pair.slice(eq + 1);
    let path = requestPath.replace(/\/[^/]*$/, '') || '/';
    let expired = value === '';
    for (const attribute of attributes) {
      const [key = '', val = ''] = attribute.split('=');
      if (key.toLowerCase() === 'path') path = val;
      if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
      if (key.toLowerCase() === 'expires' && Date.parse(val) <= Date.now()) expired = true;
    }
    if (expired) this.cookies.delete(name);
    else this.cookies.set(name, { value, path });
  }
}

/** RFC 6265 path-match. */
function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

/** The CSRF token of the first form on a page. */
export function csrfOf(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no CSRF token on the page');
  return match[1];
}

/** Text content of the first element matching a simple `data-*` attribute or tag, tags stripped. */
export function textOf(html: string, marker: string): string {
  const start = html.indexOf(marker);
  if (start === -1) return '';
  const open = html.indexOf('>', start) + 1;
  const close = html.indexOf('</', open);
  return html.slice(open, close).replace(/<[^>]+>/g, '').trim();
}

/** Decodes the few entities the example's escaper produces. */
export function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? '');
}
