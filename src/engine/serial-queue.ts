/**
 * Runs async tasks one at a time, in submission order. Each master's events go through one of these so a close never
 * overtakes its open; different masters run concurrently.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private depth = 0;
  private readonly onError: (error: unknown) => void;

  constructor(onError: (error: unknown) => void) {
    this.onError = onError;
  }

  get size(): number {
    return this.depth;
  }

  push(task: () => Promise<void>): Promise<void> {
    this.depth++;
    const run = this.tail.then(task).catch(this.onError).finally(() => {
      this.depth--;
    });
    this.tail = run;
    return run;
  }

  /** Resolves when everything queued so far has run. */
  idle(): Promise<void> {
    return this.tail;
  }
}
