/**
 * The Mini App's HTTP hardening: response headers (a CSP without inline scripts, nosniff, no referrer, framing only
 * by Telegram's web clients), and the request checks that keep other sites out: the `Host` must be ours (no DNS
 * rebinding onto a loopback server) and an API request must come from our own origin (`Sec-Fetch-Site`, `Origin`).
 * No CORS headers are ever sent, so a browser on another origin cannot read an answer either.
 */
import type { IncomingMessage } from 'node:http';

/**
 * Telegram Web (A, K and the legacy client) shows a Mini App in an iframe; the mobile and desktop apps use a web view
 * and need no framing permission.
 */
export const TELEGRAM_WEB_ORIGINS: readonly string[] = ['https://web.telegram.org', 'https://webk.telegram.org', 'https://webz.telegram.org'];

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  // blob: for chart images fetched with the session header and shown from memory.
  "img-src 'self' blob: data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  `frame-ancestors 'self' ${TELEGRAM_WEB_ORIGINS.join(' ')}`,
].join('; ');

/** Headers on every response. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  'Cross-Origin-Opener-Policy': 'same-origin',
};

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]'];

export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === 'localhost' || host === '::1' || host === '[::1]' || host.startsWith('127.');
}

/** Which `Host` and `Origin` values are ours: the public URL's, and the listening address's. */
export class OriginPolicy {
  readonly #hosts = new Set<string>();
  readonly #origins = new Set<string>();

  constructor(options: { publicUrl: string | null; host: string; port: number }) {
    if (options.publicUrl !== null) {
      const u = new URL(options.publicUrl);
      this.#hosts.add(u.host.toLowerCase());
      this.#origins.add(u.origin.toLowerCase());
    }
    const bound = options.host.includes(':') ? `[${options.host}]` : options.host;
    // A wildcard address listens on loopback too.
    const names = isLoopbackHost(options.host) || options.host === '0.0.0.0' || options.host === '::' ? [...LOOPBACK_NAMES, bound] : [bound];
    for (const name of names) {
      this.#hosts.add(`${name}:${options.port}`.toLowerCase());
      this.#origins.add(`http://${name}:${options.port}`.toLowerCase());
    }
  }

  hostAllowed(host: string | undefined): boolean {
    return host !== undefined && this.#hosts.has(host.toLowerCase());
  }

  /**
   * Why an API request looks cross-site, or null when it does not. Browsers send `Sec-Fetch-Site` and, on POST,
   * `Origin`; a client that sends neither is no browser and cannot be made to carry someone else's session.
   */
  crossSiteReason(req: IncomingMessage): string | null {
    const site = req.headers['sec-fetch-site'];
    if (typeof site === 'string' && site !== 'same-origin' && site !== 'none') return `Sec-Fetch-Site: ${site}`;
    const origin = req.headers.origin;
    if (typeof origin === 'string' && !this.#origins.has(origin.toLowerCase())) return 'Origin';
    return null;
  }
}
