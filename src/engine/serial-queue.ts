import { setImmediate as yieldToLoop } from 'node:timers/promises';

/**
 * Runs async tasks one at a time, in submission order. Each master's events go through one of these so a close never
 * overtakes its open; different masters run concurrently.
 *
 * A task pushed while others are queued starts in an event-loop turn of its own: run straight from the previous
 * task's last continuation, a backlog (a burst of master trades) would plan event after event in one chain of
 * microtasks, holding the loop for tens of milliseconds while replies, follower frames and timers wait. A task pushed
 * to an idle queue starts at once.
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
    const behind = this.depth > 0;
    this.depth++;
    const run = this.tail.then(behind ? () => yieldToLoop().then(task) : task).catch(this.onError).finally(() => {
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
