/**
 * Cluster errors, grouped like the rest (src/domain/errors.ts) by what the caller does next.
 */
import { FatalError, RetryableError } from '../domain/errors.js';

/**
 * This process no longer holds the lease that allows it to write (it expired, was taken over, or cannot be renewed
 * while Redis is unreachable). Nothing was sent; the new owner does the work.
 */
export class LeaseLostError extends FatalError {
  constructor(lease: string, detail: string) {
    super('lease_lost', `The lease ${lease} is not held any more (${detail}); nothing was sent.`, { context: { lease } });
  }
}

/** Redis could not be reached or answered with an error. */
export class RedisUnavailableError extends RetryableError {
  constructor(what: string, cause: unknown) {
    super('redis_unavailable', `Redis is unreachable (${what}): ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** A worker and the control process speak different versions: the worker refuses to take partitions. */
export class VersionMismatchError extends FatalError {
  constructor(mine: string, theirs: string) {
    super('version_mismatch', `This worker is fxmirror ${mine} but the control process is ${theirs}; it takes no partitions until both run the same version.`, {
      context: { mine, theirs },
    });
  }
}
