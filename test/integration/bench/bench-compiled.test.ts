/**
 * Keeps the way `npm run bench` measures working: `src` and `bench` compiled by tsc, and one tiny latency case run
 * in a case process of its own on that JavaScript with plain node (which spawns the compiled simulator the same
 * way). The build skips the type check (`npm run typecheck` has it) and goes to a directory of its own, so a bench
 * running from `bench/.build` meanwhile is left alone. Never asserts a time.
 */
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUILD_DIR } from '../../../bench/lib/build.js';
import { renderMarkdown } from '../../../bench/lib/report.js';
import { runBench } from '../../../bench/run.js';

describe('benchmark on the compiled build', () => {
  it('compiles, then runs a case process and its simulator as plain JavaScript', { timeout: 120_000 }, async () => {
    await mkdir(DEFAULT_BUILD_DIR, { recursive: true });
    const outDir = await mkdtemp(join(DEFAULT_BUILD_DIR, 'test-'));
    try {
      const lines: string[] = [];
      const results = await runBench({
        profile: 'smoke',
        only: 'latency',
        seed: 42,
        runtime: 'compiled',
        build: { outDir, typeCheck: false },
        outDir: null,
        log: (line) => lines.push(line),
      });
      expect(results.errors).toEqual([]);
      expect(existsSync(join(outDir, 'bench', 'run.js'))).toBe(true);
      expect(existsSync(join(outDir, 'bench', 'sim-process.js'))).toBe(true);
      expect(results.runtime).toMatch(/^compiled \(tsc → bench\/\.build\/test-\w+, plain node\)$/);
      expect(lines.some((l) => l.startsWith('compiling'))).toBe(true);
      expect(renderMarkdown(results)).toContain('Copier and simulator run compiled JavaScript (tsc)');

      const fx = results.latency[0];
      expect(fx?.e2e.lastLeg.count).toBe(5);
      expect(fx?.missing).toBe(0);
      expect(fx?.duplicates).toBe(0);
      expect(fx?.copierRssMb).toBeGreaterThan(0);
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  });
});
