import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { REASON_CODES } from '../../../src/domain/reasons.js';

describe('reason codes', () => {
  it('are unique snake_case strings', () => {
    expect(new Set(REASON_CODES).size).toBe(REASON_CODES.length);
    for (const c of REASON_CODES) expect(c).toMatch(/^[a-z]+(_[a-z]+)*$/);
  });

  it('every code is exercised by an example test in this folder', () => {
    const dir = dirname(fileURLToPath(import.meta.url));
    const text = readdirSync(dir)
      .filter((f) => f.endsWith('.test.ts') && f !== 'reasons.test.ts')
      .map((f) => readFileSync(join(dir, f), 'utf8'))
      .join('\n');
    const missing = REASON_CODES.filter((c) => !text.includes(`'${c}'`));
    expect(missing).toEqual([]);
  });
});
