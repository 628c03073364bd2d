// Response headers that tell browsers what a page may do. Pages (HTML, including the API
// reference) get a Content-Security-Policy that runs only the site's own script files (no inline
// script, no eval, no plugins, no <base>), may not be framed, and may not use powerful features;
// every answer gets nosniff and a referrer policy; HSTS when the public URL is https.
// A new inline <script> or on…= handler is refused by the browser, and the browser tests fail on
// any CSP violation: put the code in a file under public/ instead.
import type { Config } from '../config/index.ts';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  // Inline style attributes: KaTeX sizes glyphs with them; a style cannot run script.
  "style-src 'self' 'unsafe-inline'",
  // Thumbnails and avatars come from the sources' https hosts.
  "img-src 'self' https: data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "frame-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export const PERMISSIONS_POLICY = 'camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=()';

export interface SecurityHeaders {
  /** On every answer. */
  all: Record<string, string>;
  /** On HTML pages (everything outside /api and /feeds, and the API reference). */
  pages: Record<string, string>;
  /** On API answers and feeds: nothing in them may load or run anything. */
  api: Record<string, string>;
}

export function securityHeaders(cfg: Pick<Config, 'publicUrl'>): SecurityHeaders {
  const https = /^https:/i.test(cfg.publicUrl);
  const all: Record<string, string> = {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'strict-origin-when-cross-origin',
  };
  // Browsers ignore HSTS over http; sending it only for an https site keeps a local http instance usable.
  if (https) all['Strict-Transport-Security'] = 'max-age=31536000; includeSubDomains';
  const pages: Record<string, string> = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY + (https ? '; upgrade-insecure-requests' : ''),
    'Permissions-Policy': PERMISSIONS_POLICY,
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
  };
  return { all, pages, api: { 'Content-Security-Policy': "default-src 'none'; frame-ancestors 'none'" } };
}
