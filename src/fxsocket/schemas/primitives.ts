/**
 * Tolerant field decoders (fxsocket-api.md, "Global conventions"): unknown fields are stripped by `z.object`, a
 * missing or `null` field takes its neutral default (numbers → 0, strings → "", booleans → false, arrays → []), and
 * enum-like strings pass through unchanged. A field of the wrong JSON type is still an error: a string where a price
 * belongs means the payload cannot be trusted, and the caller turns that into a typed protocol error.
 */
import { z } from 'zod';

/** A float (price, lots, money). */
export const num = z
  .number()
  .nullish()
  .transform((value) => value ?? 0);

/** An integer on the wire (tickets, login, magic, retcode, …). */
export const int = z
  .number()
  .int()
  .nullish()
  .transform((value) => value ?? 0);

/** An integer whose absence means "unknown", with an explicit fallback (e.g. -1 for a heartbeat age). */
export function intOr(fallback: number) {
  return z
    .number()
    .int()
    .nullish()
    .transform((value) => value ?? fallback);
}

/** A string. */
export const str = z
  .string()
  .nullish()
  .transform((value) => value ?? '');

/** A boolean. */
export const bool = z
  .boolean()
  .nullish()
  .transform((value) => value ?? false);

/** An array whose rows use `item`; missing → []. */
export function list<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .nullish()
    .transform((value): z.output<T>[] => value ?? []);
}

/**
 * An enum-like string: the known values are documented in `T`, anything else passes through (a newer server must not
 * break an older client), and a missing value becomes "".
 */
export function openEnum<T extends string>() {
  return z
    .string()
    .nullish()
    .transform((value): T | (string & {}) => value ?? '');
}

/** A nested object that may be absent on older servers: absent or `null` decodes as if it were `{}`. */
export function objectOrEmpty<T extends z.ZodObject>(schema: T) {
  return schema
    .nullish()
    .transform((value): z.output<T> => value ?? schema.parse({}));
}
