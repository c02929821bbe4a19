/**
 * Errors grouped by what the caller does next (design.md §5.5).
 *
 * - `retry`: temporary; the same call may succeed later (a network reset on a read, a 503 before the trade EA is up).
 * - `reject`: the request itself is wrong or refused; retrying the same thing will not help (bad argument, broker
 *   rejection, unknown symbol). Tell the user.
 * - `stop`: the process cannot continue safely (corrupt state file, unwritable data directory, bad credentials).
 * - `unknown`: a money-moving call whose outcome is not known (timeout, 504). Never retried blindly: reconcile first.
 */
export type ErrorAction = 'retry' | 'reject' | 'stop' | 'unknown';

/** Base error: a stable machine `code`, what to do next, context for logs, and the original `cause`. */
export class FxmirrorError extends Error {
  readonly code: string;
  readonly action: ErrorAction;
  readonly context: Readonly<Record<string, unknown>>;

  constructor(
    code: string,
    message: string,
    options: { action: ErrorAction; cause?: unknown; context?: Record<string, unknown> },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.action = options.action;
    this.context = options.context ?? {};
  }

  get retryable(): boolean {
    return this.action === 'retry';
  }
}

/** A temporary failure: try again later. */
export class RetryableError extends FxmirrorError {
  constructor(code: string, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(code, message, { ...options, action: 'retry' });
  }
}

/** The request was refused or is invalid: do not retry the same thing; report it. */
export class RejectedError extends FxmirrorError {
  constructor(code: string, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(code, message, { ...options, action: 'reject' });
  }
}

/** The outcome of a money-moving call is unknown: reconcile from the broker before doing anything else. */
export class UnknownOutcomeError extends FxmirrorError {
  constructor(code: string, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(code, message, { ...options, action: 'unknown' });
  }
}

/** Continuing would be unsafe: stop (start-up refuses, or the component halts). */
export class FatalError extends FxmirrorError {
  constructor(code: string, message: string, options: { cause?: unknown; context?: Record<string, unknown> } = {}) {
    super(code, message, { ...options, action: 'stop' });
  }
}
