/** Small checks shared by the batch and terminal request validators. Each throws `invalid_request` before any I/O. */
import { FxSocketRequestError } from './errors.js';

/** The error every client-side validation failure raises; nothing was sent. */
export function invalid(where: string, message: string): FxSocketRequestError {
  return new FxSocketRequestError('invalid_request', `${where}: ${message}`, { context: { where, clientSide: true } });
}

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Refuses keys outside `allowed` — the server fails a whole batch on one unknown key (§2.4). */
export function rejectUnknownKeys(value: Record<string, unknown>, allowed: ReadonlySet<string>, where: string): void {
  let clean = true;
  for (const key in value) {
    if (Object.hasOwn(value, key) && !allowed.has(key)) {
      clean = false;
      break;
    }
  }
  if (clean) return;
  const unknown = Object.keys(value).filter((key) => !allowed.has(key));
  if (unknown.length > 0) throw invalid(where, `unknown field${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}`);
}

/** Copies `value` without keys whose value is `undefined`, so absent fields are not sent. */
export function compact<T extends object>(value: T): T {
  const out: Record<string, unknown> = {};
  // Own enumerable string keys in order, as Object.entries would give them, without its array of pairs (a batch leg
  // passes here once per follower).
  const record = value as Record<string, unknown>;
  for (const key in record) {
    if (!Object.hasOwn(record, key)) continue;
    const field = record[key];
    if (field !== undefined) out[key] = field;
  }
  return out as T;
}

/** A non-empty string, or `invalid_request`. */
export function requireString(value: unknown, where: string, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(where, `${field} is required`);
  return value;
}

/** Absent, or a string. */
export function optionalString(value: unknown, where: string, field: string): void {
  if (value !== undefined && typeof value !== 'string') throw invalid(where, `${field} must be a string`);
}

/** Absent, or a finite number obeying `rule`. */
export function optionalNumber(
  value: unknown,
  where: string,
  field: string,
  rule: 'positive' | 'non-negative' | 'any',
): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(where, `${field} must be a number`);
  if (rule === 'positive' && !(value > 0)) throw invalid(where, `${field} must be > 0, got ${value}`);
  if (rule === 'non-negative' && value < 0) throw invalid(where, `${field} must be >= 0, got ${value}`);
}

/** Absent, or a safe integer ≥ `min`. */
export function optionalInteger(value: unknown, where: string, field: string, min: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(where, `${field} must be an integer`);
  if (value < min) throw invalid(where, `${field} must be >= ${min}, got ${value}`);
}

/** Absent, or one of `choices` (exact spelling). */
export function optionalChoice(value: unknown, choices: readonly string[], where: string, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !choices.includes(value)) {
    throw invalid(where, `${field} must be one of ${choices.join(', ')}`);
  }
}
