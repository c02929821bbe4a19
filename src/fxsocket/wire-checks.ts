/**
 * The value checks the hand-written wire decoders (fast-frames.ts, fast-replies.ts) share: each accepts exactly what the
 * matching zod type accepts from `JSON.parse`.
 */

/** The wire view of a parsed payload: the schema's keys, values not yet checked. */
export type Wire<T> = { readonly [K in keyof T]?: unknown };

/** `num`: a finite JSON number (`1e999` parses to Infinity, which `z.number()` refuses). */
export function isNum(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** `int`: `z.number().int()` accepts safe integers only. */
export function isInt(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value);
}

/** A JSON object (what `z.object` accepts from `JSON.parse`). */
export function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Every element decoded by `decode`, or `undefined` as soon as one fails (the whole value then goes to the schema). */
export function fastList<T>(value: readonly unknown[], decode: (item: unknown) => T | undefined): T[] | undefined {
  const out: T[] = [];
  for (let i = 0; i < value.length; i += 1) {
    const item = decode(value[i]);
    if (item === undefined) return undefined;
    out.push(item);
  }
  return out;
}
