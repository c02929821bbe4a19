 
import { afterEach, describe, expect, it } from 'vitest';
import { call, quietSim } from './helpers.js';
import type { Harness } from './helpers.js';

describe('simulator market hours', () => {
  let h: Harness | undefined;
  afterEach(async () => {
    await h?.sim.close();
    h = undefined;
  });

  const sessionsOf = async (harness: Harness, symbol: string) => {
    const acc = harness.sim.account('master');
    const r = await call(`${acc.restUrl}/SymbolInfo?symbol=${symbol}`, { headers: { 'x-api-key': harness.sim.apiKey } });
    expect(r.status).toBe(200);
    return r.body.sessions as { day: string; from: string; to: string }[];
  };

  it('publishes the instrument calendar by default (indices close at night)', async () => {
    h = await quietSim();
    const sessions = await sessionsOf(h, 'US30');
    expect(sessions.some((s) => s.from !== '00:00' || s.to !== '24:00')).toBe(true);
  });

  it("publishes round-the-clock sessions when markets never close, so SymbolInfo agrees with what the broker does", async () => {
    h = await quietSim({ marketHours: 'always' });
    const sessions = await sessionsOf(h, 'US30');
    expect(sessions).toHaveLength(7);
    expect(sessions.every((s) => s.from === '00:00' && s.to === '24:00')).toBe(true);
  });
});
