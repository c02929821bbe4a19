import { defineConfig } from 'vitest/config';

/**
 * Two projects: the whole suite on the simulator's default readings of the contract's silent points, and the engine's
 * scenarios plus the quick chaos trial again on the other reading of every point (src/sim/variant.ts), so the copier
 * is checked under both readings of each.
 */
export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    pool: 'forks',
    reporters: ['default'],
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'variant-other',
          include: ['test/integration/engine/**/*.test.ts', 'test/chaos/chaos.test.ts'],
          env: { FXMIRROR_SIM_VARIANT: 'other' },
        },
      },
    ],
  },
});
