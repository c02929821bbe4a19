import type { Clock } from './ports.js';

/** The real clock, for production. Tests pass their own. */
export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const handle = setTimeout(fn, Math.max(0, Math.min(ms, 2_147_483_647)));
    handle.unref?.();
    return { cancel: () => clearTimeout(handle) };
  },
};

/** Sleeps on the given clock. */
export function sleepOn(clock: Clock): (ms: number) => Promise<void> {
  return (ms) => new Promise((resolve) => clock.setTimeout(resolve, ms));
}
