// A tiny browser for the community tests: a cookie jar, no automatic redirects, form posts
// that carry the page's CSRF field, and sign-in through the real mail outbox.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';

export interface Page {
  status: number;
  headers: Headers;
  body: string;
  location: string | null;
}

export class Browser {
  readonly cookies = new Map<string, string>();
  /** Raw Set-Cookie headers seen, for asserting cookie attributes. */
  readonly setCookies: string[] = [];

  constructor(readonly base: string) {}

  private keep(res: Response) {
    for (const c of res.headers.getSetCookie()) {
      this.setCookies.push(c);
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      const name = pair.slice(0, i).trim();
      const value = pair.slice(i + 1).trim();
      if (value === '' || /Max-Age=0|Expires=Thu, 01 Jan 1970/i.test(c)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(path: string, init: RequestInit = {}): Promise<Page> {
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(this.base + path, { ...init, headers, redirect: 'manual' });
    this.keep(res);
    return { status: res.status, headers: res.headers, body: await res.text(), location: res.headers.get('location') };
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request(path, { headers });
  }

  /** Posts a form; `csrfFrom` is a page whose first _csrf field is used (omit to send none). */
  post(path: string, fields: Record<string, string>, csrfFrom?: Page | string, headers: Record<string, string> = {}) {
    const body = new URLSearchParams(fields);
    const token = typeof csrfFrom === 'string' ? csrfFrom : csrfFrom ? csrfOf(csrfFrom) : undefined;
    if (token) body.set('_csrf', token);
    return this.request(path, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }
}

export function csrfOf(page: Page): string {
  const m = page.body.match(/name="_csrf" value="([^"]+)"/);
  if (!m) throw new Error(`no CSRF field in page (status ${page.status}): ${page.body.slice(0, 200)}`);
  return m[1];
}

/** The newest sign-in mail for `to` in the file outbox: its parsed text and the link in it. */
export async function latestSigninLink(dataDir: string, to: string): Promise<{ link: string; token: string; subject: string }> {
  const dir = join(dataDir, 'outbox');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.eml'))
    .sort()
    .reverse();
  for (const f of files) {
    const mail = await simpleParser(readFileSync(join(dir, f)));
    const addr = Array.isArray(mail.to) ? mail.to[0] : mail.to;
    if (addr?.value[0]?.address !== to) continue;
    const link = mail.text?.match(/https?:\/\/\S+\/signin\/verify\?token=[\w-]+/)?.[0];
    if (!link) continue;
    return { link, token: new URL(link).searchParams.get('token')!, subject: mail.subject ?? '' };
  }
  throw new Error(`no sign-in mail for ${to}`);
}

/** Signs in through the whole mail flow and picks a username on first sign-in. */
export async function signIn(b: Browser, dataDir: string, email: string, username?: string): Promise<void> {
  const form = await b.get('/signin');
  const sent = await b.post('/signin', { email }, form);
  if (sent.status !== 200) throw new Error(`sign-in mail refused: ${sent.status} ${sent.body.slice(0, 300)}`);
  const { token } = await latestSigninLink(dataDir, email);
  const confirm = await b.get(`/signin/verify?token=${token}`);
  const done = await b.post('/signin/verify', { token }, confirm);
  if (done.status !== 303) throw new Error(`verify failed: ${done.status} ${done.body.slice(0, 300)}`);
  if (done.location?.startsWith('/welcome')) {
    const w = await b.get('/welcome');
    const saved = await b.post('/welcome', { username: username ?? email.split('@')[0], display_name: `${username ?? email} name` }, w);
    if (saved.status !== 303) throw new Error(`welcome failed: ${saved.status} ${saved.body.slice(0, 500)}`);
  }
}
