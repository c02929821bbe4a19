import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { FatalError } from '../../../src/domain/errors.js';

describe('config', () => {
  it('defaults to demo mode with documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ apiKey: null, apiUrl: 'https://api.fxsocket.com', botToken: null, dataDir: './data', reconcileSeconds: 30, admins: [] });
  });

  it('parses every variable', () => {
    const c = loadConfig({
      FXSOCKET_API_KEY: 'fxs_live_abc123',
      FXSOCKET_API_URL: 'http://127.0.0.1:8787/',
      TELEGRAM_BOT_TOKEN: '123456:ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdef',
      FXMIRROR_ADMINS: '1, 22',
      FXMIRROR_RECONCILE_SECONDS: '60',
      FXSOCKET_INSECURE_TLS: 'true',
    } as Record<string, string>);
    expect(c).toMatchObject({ apiKey: 'fxs_live_abc123', apiUrl: 'http://127.0.0.1:8787', admins: [1, 22], reconcileSeconds: 60, insecureTls: true });
  });

  it('names every mistake at once, without echoing a secret', () => {
    let error: unknown;
    try {
      loadConfig({ FXSOCKET_API_KEY: 'sk_live_secretvalue', FXMIRROR_ADMINS: '12,abc', FXMIRROR_RECONCILE_SECONDS: '2', FXSOCKET_API_URL: 'ftp://x' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FatalError);
    const message = (error as Error).message;
    expect(message).toContain('FXSOCKET_API_KEY');
    expect(message).toContain("FXMIRROR_ADMINS must be comma-separated Telegram user ids, got 'abc'");
    expect(message).toContain('FXMIRROR_RECONCILE_SECONDS must be a whole number from 5');
    expect(message).toContain('FXSOCKET_API_URL');
    expect(message).not.toContain('sk_live_secretvalue');
  });
});

describe('config: private-server TLS', () => {
  it('takes a host list or a boolean', () => {
    expect(loadConfig({ FXSOCKET_INSECURE_TLS: '10.0.0.5, pod.example:8443' }).insecureTls).toEqual(['10.0.0.5', 'pod.example:8443']);
    expect(loadConfig({ FXSOCKET_INSECURE_TLS: 'no' }).insecureTls).toBe(false);
    expect(() => loadConfig({ FXSOCKET_INSECURE_TLS: 'maybe?' })).toThrow(/FXSOCKET_INSECURE_TLS/);
  });
});
