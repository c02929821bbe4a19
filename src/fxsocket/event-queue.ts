/**
 * A bounded FIFO ring buffer that drops the oldest item when full (§5: 10 000 events by default, `lag` reports
 * drops). Storage starts small and doubles up to the capacity: a copier holds one queue per follower stream, and
 * preallocating 10 000 slots each cost ~80 KB of heap per stream (80 MB at 1,000 followers) for queues that are
 * almost always empty. Once grown, pushing and shifting allocate nothing.
 */
const INITIAL_SLOTS = 16;

export class DropOldestQueue<T> {
  readonly capacity: number;
  #items: (T | undefined)[];
  #head = 0;
  #size = 0;
  #dropped = 0;

  /** `capacity` 0 = unbounded. */
  constructor(capacity: number) {
    this.capacity = capacity;
    this.#items = new Array<T | undefined>(capacity > 0 ? Math.min(capacity, INITIAL_SLOTS) : INITIAL_SLOTS);
  }

  get size(): number {
    return this.#size;
  }

  /** Items dropped since creation. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Appends; returns true when the oldest item was dropped to make room. */
  push(item: T): boolean {
    const length = this.#items.length;
    if (this.#size === length) {
      if (this.capacity > 0 && length >= this.capacity) {
        this.#items[this.#head] = item;
        this.#head = (this.#head + 1) % length;
        this.#dropped += 1;
        return true;
      }
      this.#grow();
    }
    this.#items[(this.#head + this.#size) % this.#items.length] = item;
    this.#size += 1;
    return false;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.#size === 0) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#items.length;
    this.#size -= 1;
    return item;
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#head = 0;
    this.#size = 0;
  }

  #grow(): void {
    const doubled = this.#items.length * 2;
    const next = new Array<T | undefined>(this.capacity > 0 ? Math.min(doubled, this.capacity) : doubled);
    for (let i = 0; i < this.#size; i += 1) next[i] = this.#items[(this.#head + i) % this.#items.length];
    this.#items = next;
    this.#head = 0;
  }
}
