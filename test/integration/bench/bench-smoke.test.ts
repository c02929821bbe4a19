/**
 * Keeps `npm run bench` working: a tiny run of every scenario (2 followers, a handful of events, a small burst) in
 * this process, with the simulator in its own process as in the real run. It asserts only that numbers came out and
 * that nothing was lost or duplicated — never a time.
 */
import { describe, expect, it } from 'vitest';
import { planFor, runBench } from '../../../bench/run.js';
import { renderMarkdown } from '../../../bench/lib/report.js';

describe('benchmark smoke run', () => {
  it('measures every scenario and counts every leg', { timeout: 120_000 }, async () => {
    const results = await runBench({ profile: 'smoke', seed: 42, isolate: false, outDir: null, log: () => undefined });
    expect(results.errors).toEqual([]);

    for (const group of [results.latency, results.floor, results.baseline]) {
      expect(group.length).toBeGreaterThan(0);
      for (const r of group) {
        expect(r.missing).toBe(0);
        expect(r.duplicates).toBe(0);
        expect(r.opens.lastLeg.count).toBeGreaterThan(0);
        expect(r.opens.lastLeg.p50).toEqual(expect.any(Number));
        expect(r.opens.firstLeg.max).toEqual(expect.any(Number));
      }
    }
    expect(results.floor.map((r) => r.copier)).toEqual(['floor', 'floor-streams']);
    const fx = results.latency[0];
    expect(fx?.e2e.lastLeg.count).toBe(5);
    expect(fx?.overhead?.count).toBeGreaterThan(0);
    expect(fx?.sim.ordersBatch?.count).toBeGreaterThan(0);

    const burst = results.burst;
    expect(burst).not.toBeNull();
    expect(burst?.burst.legsExpected).toBe(2 * 5 * 2);
    expect(burst?.burst.legsReceived).toBe(burst?.burst.legsExpected);
    expect(burst?.burst.lost).toBe(0);
    expect(burst?.burst.duplicated).toBe(0);
    expect(burst?.burst.positionsOnFollowers).toBe(burst?.burst.positionsExpected);
    expect(burst?.memorySteady.rssMb).toBeGreaterThan(0);
    expect(burst?.eventLoopDelay.samples).toBeGreaterThan(0);

    expect(results.machine.cores).toBeGreaterThan(0);
    expect(results.machine.node).toBe(process.version);
    expect(renderMarkdown(results)).toContain('## Targets');
  });

  it('plans only the cases of one follower count with --followers (latency, floor and baseline; no burst)', () => {
    const cases = planFor('full', undefined, 1000);
    expect(cases.map((c) => (c.scenario === 'burst' ? 'burst' : `${c.scenario}:${c.copier}:${c.followers}`))).toEqual(['latency:fxmirror:1000', 'floor:floor:1000', 'floor:floor-streams:1000']);
    expect(planFor('full', 'latency', 100).map((c) => c.scenario === 'burst' ? 'burst' : `${c.scenario}:${c.followers}:${c.events}`)).toEqual(['latency:100:400']);
    expect(planFor('full').length).toBeGreaterThan(cases.length);
  });
});
