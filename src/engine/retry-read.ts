import { FxmirrorError } from '../domain/errors.js';

/**
 * Runs an idempotent read again after a retryable error (transient 5xx, connection reset), waiting `waitsMs` between
 * attempts; anything else, or the last failure, is thrown.
 */
export async function retryRead<T>(read: () => Promise<T>, sleep: (ms: number) => Promise<void>, waitsMs: readonly number[]): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await read();
    } catch (error) {
      const wait = waitsMs[attempt];
      if (wait === undefined || !(error instanceof FxmirrorError) || !error.retryable) throw error;
      await sleep(wait);
    }
  }
}
