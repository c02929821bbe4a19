import type { CopierEvent } from './events.js';

/** Fan-out of CopierEvents to listeners. A throwing listener is isolated: it never reaches the copy path. */
export class EventBus {
  private readonly listeners = new Set<(event: CopierEvent) => void>();
  private readonly onListenerError: (error: unknown) => void;

  constructor(onListenerError: (error: unknown) => void) {
    this.onListenerError = onListenerError;
  }

  subscribe(listener: (event: CopierEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: CopierEvent): void {
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }
}
