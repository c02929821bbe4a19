import { describe, expect, it } from 'vitest';
import { createLogger, scrubSecrets } from '../../../src/log.js';

describe('secret scrubbing', () => {
  it('removes known secrets and anything shaped like a key or token from every line', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'info', secrets: ['custom-secret-value-123'], destination: { write: (l: string) => lines.push(l) } });
    log.info({ url: 'ws://h/mt5/x/ws?api_key=fxs_live_zzz', nested: { note: 'custom-secret-value-123' } }, 'key fxs_ro_abcdef and token 123456789:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    log.info({ apiKey: 'plain', headers: { 'x-api-key': 'hdr' } }, 'paths');
    const all = lines.join('');
    for (const secret of ['fxs_live_zzz', 'fxs_ro_abcdef', 'custom-secret-value-123', 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', '"plain"', '"hdr"']) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain('api_key=[redacted]');
  });

  it('leaves ordinary text alone', () => {
    expect(scrubSecrets('EURUSD 0.10 lot @ 1.08 ticket 123456')).toBe('EURUSD 0.10 lot @ 1.08 ticket 123456');
  });
});
