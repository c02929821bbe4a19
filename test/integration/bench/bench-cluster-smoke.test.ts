/**
 * Keeps `npm run bench -- --cluster` working: one tiny cluster case (10 followers, 1 worker, a few events) with a
 * real redis-server, the simulator in its own process and the control and worker processes under tsx, in this
 * process. Asserts only that numbers came out and every leg arrived — never a time.
 */
import { describe, expect, it } from 'vitest';
import { redisServerAvailable } from '../../../src/cluster/local/redis-server.js';
import { clusterPlan, runClusterBench } from '../../../bench/lib/cluster-bench.js';
import { renderClusterMarkdown } from '../../../bench/lib/cluster-report.js';

describe.skipIf(!redisServerAvailable())('cluster benchmark smoke run', () => {
  it('copies every leg through a real cluster and counts CPU, Redis calls and stream lag', { timeout: 60_000 }, async () => {
    const results = await runClusterBench({ profile: 'smoke', seed: 42, runtime: 'tsx', proc: null, command: 'test', argv: [], notes: [], outDir: null, log: () => undefined });
    expect(results.errors).toEqual([]);
    const plan = clusterPlan('smoke')[0];
    const c = results.cases[0];
    expect(c?.followers).toBe(plan?.followers);
    expect(c?.e2e.lastLeg.count).toBe(plan?.events);
    expect(c?.missing).toBe(0);
    expect(c?.duplicates).toBe(0);
    expect(c?.e2e.lastLeg.p50).toBeGreaterThan(0);
    expect(c?.e2e.firstLeg.p50).toBeGreaterThan(0);
    expect(c?.redis.callsPerEvent).toBeGreaterThan(0);
    expect(c?.cpuMsPerEvent['w1']).toEqual(expect.any(Number));
    expect(c?.cpuMsPerEvent['redis']).toEqual(expect.any(Number));
    expect(c?.streamLag.samples).toBeGreaterThan(0);
    expect(results.floor.map((f) => f.copier)).toEqual(['floor', 'floor-streams']);
    expect(results.floor.every((f) => f.missing === 0)).toBe(true);
    expect(renderClusterMarkdown(results)).toContain('| 10 | 1 |');
  });
});
