/**
 * Environment and flags, validated with zod (design.md §2). Every mistake is named in one clear message; the
 * process refuses to start rather than run with a half-understood configuration.
 */
import { z } from 'zod';
import { FatalError } from './domain/errors.js';

const intFrom = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return fallback;
      const n = Number(v);
      if (!Number.isInteger(n) || n < min || n > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}, got '${v}'` });
        return z.NEVER;
      }
      return n;
    });

const urlFrom = (name: string, fallback: string) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v === undefined || v.trim() === '' ? fallback : v.trim();
      try {
        const u = new URL(raw);
        if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
        return raw.replace(/\/+$/, '');
      } catch {
        ctx.addIssue({ code: 'custom', message: `${name} must be an http(s) URL, got '${raw}'` });
        return z.NEVER;
      }
    });

const envSchema = z.object({
  FXSOCKET_API_KEY: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const key = v?.trim() ?? '';
      if (key === '') return null;
      if (!/^fxs_(live|ro)_[A-Za-z0-9_-]+$/.test(key)) {
        ctx.addIssue({ code: 'custom', message: "FXSOCKET_API_KEY must look like 'fxs_live_…' (or 'fxs_ro_…' for read-only); the value given does not" });
        return z.NEVER;
      }
      return key;
    }),
  FXSOCKET_API_URL: urlFrom('FXSOCKET_API_URL', 'https://api.fxsocket.com'),
  FXSOCKET_INSECURE_TLS: z
    .string()
    .optional()
    .transform((v, ctx): boolean | string[] => {
      const raw = v?.trim() ?? '';
      if (raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      const hosts = raw.split(',').map((h) => h.trim()).filter((h) => h !== '');
      if (hosts.every((h) => /^[A-Za-z0-9.-]+(:\d+)?$/.test(h))) return hosts;
      ctx.addIssue({ code: 'custom', message: `FXSOCKET_INSECURE_TLS must be true, false or a comma-separated host list, got '${raw}'` });
      return z.NEVER;
    }),
  TELEGRAM_BOT_TOKEN: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const token = v?.trim() ?? '';
      if (token === '') return null;
      if (!/^\d+:[A-Za-z0-9_-]{20,}$/.test(token)) {
        ctx.addIssue({ code: 'custom', message: "TELEGRAM_BOT_TOKEN must look like '123456:ABC…' as BotFather gives it; the value given does not" });
        return z.NEVER;
      }
      return token;
    }),
  TELEGRAM_API_ROOT: urlFrom('TELEGRAM_API_ROOT', 'https://api.telegram.org'),
  FXMIRROR_ADMINS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return [] as number[];
      const ids: number[] = [];
      for (const part of v.split(',')) {
        const id = Number(part.trim());
        if (!Number.isSafeInteger(id) || id <= 0) {
          ctx.addIssue({ code: 'custom', message: `FXMIRROR_ADMINS must be comma-separated Telegram user ids, got '${part.trim()}'` });
          return z.NEVER;
        }
        ids.push(id);
      }
      return ids;
    }),
  FXMIRROR_DATA: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? './data' : v.trim())),
  FXMIRROR_RECONCILE_SECONDS: intFrom('FXMIRROR_RECONCILE_SECONDS', 5, 86_400, 30),
  FXMIRROR_MAGIC: intFrom('FXMIRROR_MAGIC', 1, 2_147_483_647, 20_260_601),
  FXMIRROR_SLIPPAGE_POINTS: intFrom('FXMIRROR_SLIPPAGE_POINTS', 0, 100_000, 30),
  FXMIRROR_MAX_COPY_AGE_SECONDS: intFrom('FXMIRROR_MAX_COPY_AGE_SECONDS', 0, 86_400, 300),
  FXMIRROR_MAX_COPY_DEVIATION_POINTS: intFrom('FXMIRROR_MAX_COPY_DEVIATION_POINTS', 0, 1_000_000, 200),
  FXMIRROR_MARKET_CLOSED_EXPIRY_MINUTES: intFrom('FXMIRROR_MARKET_CLOSED_EXPIRY_MINUTES', 1, 10_080, 720),
  FXMIRROR_DEMO_SEED: intFrom('FXMIRROR_DEMO_SEED', 0, 2_147_483_647, 7),
  FXMIRROR_DEMO_TRADE_SECONDS: intFrom('FXMIRROR_DEMO_TRADE_SECONDS', 1, 3_600, 4),
  FXMIRROR_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .optional()
    .default('info'),
  FXMIRROR_WEBAPP: z
    .string()
    .optional()
    .transform((v, ctx): 'auto' | 'on' | 'off' => {
      const raw = v?.trim().toLowerCase() ?? '';
      if (raw === '' || raw === 'auto') return 'auto';
      if (/^(1|true|yes|on)$/.test(raw)) return 'on';
      if (/^(0|false|no|off)$/.test(raw)) return 'off';
      ctx.addIssue({ code: 'custom', message: `FXMIRROR_WEBAPP must be auto, on or off, got '${v?.trim() ?? ''}'` });
      return z.NEVER;
    }),
  FXMIRROR_WEBAPP_HOST: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const host = v === undefined || v.trim() === '' ? '127.0.0.1' : v.trim();
      if (!/^(\[?[0-9A-Fa-f:.]+\]?|[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?)$/.test(host)) {
        ctx.addIssue({ code: 'custom', message: `FXMIRROR_WEBAPP_HOST must be an IP address or host name to listen on, got '${host}'` });
        return z.NEVER;
      }
      return host.replace(/^\[(.*)\]$/, '$1');
    }),
  FXMIRROR_WEBAPP_PORT: intFrom('FXMIRROR_WEBAPP_PORT', 0, 65_535, 8790),
  FXMIRROR_WEBAPP_PUBLIC_URL: z
    .string()
    .optional()
    .transform((v, ctx) => {
      const raw = v?.trim() ?? '';
      if (raw === '') return null;
      let u: URL;
      try {
        u = new URL(raw);
      } catch {
        ctx.addIssue({ code: 'custom', message: `FXMIRROR_WEBAPP_PUBLIC_URL must be the Mini App's public https:// URL, got '${raw}'` });
        return z.NEVER;
      }
      // Telegram opens Mini Apps over HTTPS only; plain http is accepted for a loopback address (local tests).
      const loopback = u.hostname === 'localhost' || u.hostname === '127.0.0.1' || u.hostname === '[::1]';
      if (u.protocol !== 'https:' && !(u.protocol === 'http:' && loopback)) {
        ctx.addIssue({ code: 'custom', message: `FXMIRROR_WEBAPP_PUBLIC_URL must be an https:// URL (Telegram opens Mini Apps over HTTPS only), got '${raw}'` });
        return z.NEVER;
      }
      if (u.search !== '' || u.hash !== '' || u.username !== '' || u.password !== '') {
        ctx.addIssue({ code: 'custom', message: `FXMIRROR_WEBAPP_PUBLIC_URL must not carry credentials, a query or a fragment, got '${raw}'` });
        return z.NEVER;
      }
      return u.href;
    }),
  FXMIRROR_WEBAPP_MAX_AGE_SECONDS: intFrom('FXMIRROR_WEBAPP_MAX_AGE_SECONDS', 60, 86_400, 3_600),
  FXMIRROR_WEBAPP_SESSION_MINUTES: intFrom('FXMIRROR_WEBAPP_SESSION_MINUTES', 1, 720, 15),
});

/** The validated configuration. `apiKey === null` means demo mode (embedded simulator). */
export interface Config {
  apiKey: string | null;
  apiUrl: string;
  /** Skip TLS verification for private servers' self-signed certificates: everywhere, or only for these hosts. */
  insecureTls: boolean | string[];
  botToken: string | null;
  telegramApiRoot: string;
  admins: number[];
  dataDir: string;
  reconcileSeconds: number;
  magic: number;
  slippagePoints: number;
  maxCopyAgeSeconds: number;
  maxCopyDeviationPoints: number;
  marketClosedExpiryMinutes: number;
  demoSeed: number;
  demoTradeSeconds: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The Mini App's HTTP server: `auto` = on in the demo or when a public URL is set. */
  webAppMode: 'auto' | 'on' | 'off';
  /** Address the Mini App listens on (loopback by default; a TLS reverse proxy faces the internet). */
  webAppHost: string;
  /** Its port; 0 = any free port. */
  webAppPort: number;
  /** The public HTTPS URL Telegram opens (menu button, /app); null = not reachable from Telegram. */
  webAppPublicUrl: string | null;
  /** Oldest Telegram initData (its `auth_date`) accepted, in seconds. */
  webAppMaxAgeSeconds: number;
  /** Lifetime of a Mini App session, in minutes. */
  webAppSessionMinutes: number;
}

/** Parses the environment; throws one FatalError naming every problem. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.message}`);
    throw new FatalError('config_invalid', `Configuration is invalid:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    apiKey: e.FXSOCKET_API_KEY,
    apiUrl: e.FXSOCKET_API_URL,
    insecureTls: e.FXSOCKET_INSECURE_TLS,
    botToken: e.TELEGRAM_BOT_TOKEN,
    telegramApiRoot: e.TELEGRAM_API_ROOT,
    admins: e.FXMIRROR_ADMINS,
    dataDir: e.FXMIRROR_DATA,
    reconcileSeconds: e.FXMIRROR_RECONCILE_SECONDS,
    magic: e.FXMIRROR_MAGIC,
    slippagePoints: e.FXMIRROR_SLIPPAGE_POINTS,
    maxCopyAgeSeconds: e.FXMIRROR_MAX_COPY_AGE_SECONDS,
    maxCopyDeviationPoints: e.FXMIRROR_MAX_COPY_DEVIATION_POINTS,
    marketClosedExpiryMinutes: e.FXMIRROR_MARKET_CLOSED_EXPIRY_MINUTES,
    demoSeed: e.FXMIRROR_DEMO_SEED,
    demoTradeSeconds: e.FXMIRROR_DEMO_TRADE_SECONDS,
    logLevel: e.FXMIRROR_LOG_LEVEL,
    webAppMode: e.FXMIRROR_WEBAPP,
    webAppHost: e.FXMIRROR_WEBAPP_HOST,
    webAppPort: e.FXMIRROR_WEBAPP_PORT,
    webAppPublicUrl: e.FXMIRROR_WEBAPP_PUBLIC_URL,
    webAppMaxAgeSeconds: e.FXMIRROR_WEBAPP_MAX_AGE_SECONDS,
    webAppSessionMinutes: e.FXMIRROR_WEBAPP_SESSION_MINUTES,
  };
}
